"""``GET /metrics``: token-protected, Prometheus text that prometheus_client's parser reads,
with sign-ins, second-factor failures, locks, messages and the outbox per channel."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from secondlock.core.clock import FixedClock
from tests.conftest import PASSWORD, MadeAccount
from tests.web.conftest import TOKEN


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return samples(answer.text)


def test_metrics_are_404_without_a_token_setting(client: TestClient) -> None:
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer x"}).status_code == 404


def test_metrics_need_the_token(metrics_client: TestClient) -> None:
    assert metrics_client.get("/metrics").status_code == 401
    wrong = metrics_client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_sign_ins_failures_and_the_outbox_are_counted(metrics_client: TestClient) -> None:
    client = metrics_client
    created = client.post("/api/v1/accounts", json={"email": "m@example.com",
                                                    "password": PASSWORD})
    assert created.status_code == 201
    assert client.post("/api/v1/login", json={"email": "m@example.com",
                                              "password": PASSWORD}).status_code == 200
    assert client.post("/api/v1/login", json={"email": "m@example.com",
                                              "password": "wrong password!"}).status_code == 401
    found = scrape(client)
    assert found[("secondlock_sign_ins_total",
                  (("method", "pwd"), ("outcome", "success")))] == 1
    assert found[("secondlock_sign_ins_total",
                  (("method", "pwd"), ("outcome", "failure")))] == 1
    assert found[("secondlock_http_request_duration_seconds_count", ())] >= 3
    for channel in ("email", "sms", "webhook"):
        assert (("secondlock_outbox_pending", (("channel", channel),))) in found
    assert ("secondlock_sms_budget_per_hour", ()) in found


def test_second_factor_failures_and_locks_are_counted(
        metrics_client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    client = metrics_client
    from secondlock.core.totp import code_at

    account = account_factory()
    started = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth)
    secret = started.json()["secret"]
    client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                json={"code": code_at(secret, clock.now())}, headers=account.auth)
    clock.advance(seconds=60)
    for _ in range(10):
        login = client.post("/api/v1/login", json={"email": account.email,
                                                   "password": PASSWORD}).json()
        client.post("/api/v1/login/verify", json={"mfa_token": login["mfa_token"],
                                                  "method": "totp", "code": "000000"})
    found = scrape(client)
    assert found[("secondlock_second_factor_failures_total", (("method", "totp"),))] >= 9
    assert sum(v for (name, _), v in found.items() if name == "secondlock_locks_total") >= 1
    assert sum(v for (name, _), v in found.items() if name == "secondlock_locked") >= 1


def _sign_in(client: TestClient, email: str, password: str) -> int:
    return client.post("/api/v1/login", json={"email": email, "password": password}).status_code


def test_every_password_lock_is_counted_once(metrics_client: TestClient,
                                             clock: FixedClock) -> None:
    client = metrics_client
    for email in ("one@example.com", "two@example.com"):
        assert client.post("/api/v1/accounts", json={"email": email,
                                                     "password": PASSWORD}).status_code == 201
    # One: the 6th wrong password locks (provisionally, then the real back-off): one lock.
    assert [_sign_in(client, "one@example.com", "wrong password!") for _ in range(6)] \
        == [401] * 6
    # Two: the 6th attempt locks provisionally and turns out right: still a lock that was.
    for _ in range(5):
        _sign_in(client, "two@example.com", "wrong password!")
    assert _sign_in(client, "two@example.com", PASSWORD) == 200
    # Refused sign-ins count as throttled, one each, without an activity row.
    assert _sign_in(client, "one@example.com", "wrong password!") == 429
    assert _sign_in(client, "one@example.com", "wrong password!") == 429
    found = scrape(client)
    assert found[("secondlock_locks_total", (("kind", "login_account"),))] == 2
    assert found[("secondlock_sign_ins_total",
                  (("method", "pwd"), ("outcome", "throttled")))] == 2
