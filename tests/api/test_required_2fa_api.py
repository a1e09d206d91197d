"""SECONDLOCK_REQUIRE_2FA=all through the API (issue #16)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.services.enrollment import enrollment_rule
from tests.conftest import PASSWORD

DAY = 86400


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(require_2fa="all", require_2fa_grace=7 * DAY)


def sign_up_and_in(client: TestClient, email: str) -> dict[str, object]:
    assert client.post("/api/v1/accounts",
                       json={"email": email, "password": PASSWORD}).status_code == 201
    return login(client, email)


def login(client: TestClient, email: str) -> dict[str, object]:
    response = client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_grace_period_counts_from_the_first_sign_in_and_restricts_nothing(
        client: TestClient, clock: FixedClock) -> None:
    first = sign_up_and_in(client, "ada@example.com")
    assert first["enrollment_required"] is False
    deadline = clock.now().timestamp() + 7 * DAY
    assert first["enroll_by"] is not None
    clock.advance(seconds=2 * DAY)
    again = login(client, "ada@example.com")
    assert again["enroll_by"] == first["enroll_by"]  # the clock started at the first sign-in
    auth = {"Authorization": f"Bearer {again['token']}"}
    assert client.get("/api/v1/me/activity", headers=auth).status_code == 200
    me = client.get("/api/v1/me", headers=auth).json()
    assert me["enrollment_required"] is False
    assert me["enroll_by"].startswith("20")
    assert abs(_epoch(me["enroll_by"]) - deadline) < 1


def _epoch(iso: str) -> float:
    from datetime import datetime
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_past_the_grace_period_a_session_may_only_enroll_then_the_restriction_lifts(
        client: TestClient, clock: FixedClock) -> None:
    sign_up_and_in(client, "bo@example.com")
    clock.advance(seconds=8 * DAY)
    body = login(client, "bo@example.com")
    assert body["enrollment_required"] is True
    assert body["enroll_by"] is None
    auth = {"Authorization": f"Bearer {body['token']}"}

    for method, path in [("GET", "/api/v1/me/activity"), ("GET", "/api/v1/me/sessions"),
                         ("GET", "/api/v1/me/authenticators"),
                         ("GET", "/api/v1/me/trusted-devices"),
                         ("POST", "/api/v1/me/recovery-codes")]:
        refused = client.request(method, path, headers=auth)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "enrollment_required"

    me = client.get("/api/v1/me", headers=auth)
    assert me.status_code == 200
    assert me.json()["enrollment_required"] is True

    started = client.post("/api/v1/me/authenticators/totp", json={"name": "Phone"},
                          headers=auth)
    assert started.status_code == 201, started.text
    confirmed = client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                            json={"code": code_at(started.json()["secret"], clock.now())},
                            headers=auth)
    assert confirmed.status_code == 200, confirmed.text
    # The same session now reaches everything.
    assert client.get("/api/v1/me/activity", headers=auth).status_code == 200
    assert client.get("/api/v1/me", headers=auth).json()["enrollment_required"] is False


def test_a_restricted_session_can_sign_out(client: TestClient, clock: FixedClock) -> None:
    sign_up_and_in(client, "cy@example.com")
    clock.advance(seconds=8 * DAY)
    auth = {"Authorization": f"Bearer {login(client, 'cy@example.com')['token']}"}
    assert client.post("/api/v1/logout", headers=auth).status_code == 204
    assert client.get("/api/v1/me", headers=auth).status_code == 401


def test_without_a_grace_period_the_first_sign_in_may_only_enroll(
        client: TestClient, settings_factory: Callable[..., Settings]) -> None:
    app = client.app
    services = app.state.services  # type: ignore[attr-defined]
    strict = settings_factory(require_2fa="all", require_2fa_grace=0)
    services.sessions.rule = enrollment_rule(strict)
    services.rt.settings = strict
    body = sign_up_and_in(client, "dee@example.com")
    assert body["enrollment_required"] is True
    auth = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/me/sessions", headers=auth).json()["code"] == \
        "enrollment_required"
