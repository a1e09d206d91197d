"""GET /api/v1/me skips FastAPI's layers and does SecondLock's own middleware work in one
frame (web/hot_path.py): it must answer exactly as any other route does."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import MadeAccount
from tests.web.test_metrics import scrape

ME = "/api/v1/me"
SECURITY = ("content-security-policy", "x-content-type-options", "x-frame-options",
            "referrer-policy", "cross-origin-opener-policy", "permissions-policy")


def added_by_middleware(headers: dict[str, str]) -> dict[str, str]:
    return {name: headers[name] for name in (*SECURITY, "cache-control")}


def test_the_session_check_carries_the_same_headers_as_any_api_answer(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    fast = client.get(ME, headers=account.auth)
    routed = client.get(f"{ME}/sessions", headers=account.auth)  # through FastAPI's router
    assert fast.status_code == routed.status_code == 200
    assert added_by_middleware(dict(fast.headers)) == added_by_middleware(dict(routed.headers))
    assert fast.headers["cache-control"] == "no-store"
    assert fast.headers["x-request-id"] != routed.headers["x-request-id"]


def test_a_refused_session_check_is_a_problem_with_the_headers(client: TestClient) -> None:
    answer = client.get(ME, headers={"Authorization": "Bearer not-a-session"})
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "not_authenticated"
    assert added_by_middleware(dict(answer.headers))["x-frame-options"] == "DENY"
    assert answer.headers["x-request-id"]


def test_a_session_check_that_announces_a_body_meets_the_body_limit(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    too_big = client.request("GET", ME, headers=account.auth, content=b"x" * (64 * 1024 + 1))
    assert too_big.status_code == 413
    assert too_big.json()["code"] == "payload_too_large"
    small = client.request("GET", ME, headers=account.auth, content=b"{}")
    assert small.status_code == 200
    assert small.headers["x-request-id"]


def test_a_trusted_proxys_request_id_comes_back_on_the_session_check(
        settings_factory: Callable[..., Settings], clock: FixedClock, outbox: OutboxMailer,
        database: Database) -> None:
    app = create_app(settings_factory(trusted_proxies="127.0.0.1/32"), clock=clock,
                     mailer=outbox, database=database)
    with TestClient(app, base_url="http://localhost:8000",
                    client=("127.0.0.1", 50000)) as client:
        answer = client.get(ME, headers={"X-Request-ID": "shop-req-42"})
    assert answer.status_code == 401
    assert answer.headers["x-request-id"] == "shop-req-42"


def test_every_session_check_is_timed_in_the_request_histogram(
        metrics_client: TestClient) -> None:
    def timed() -> float:
        return scrape(metrics_client)[("secondlock_http_request_duration_seconds_count", ())]

    before = timed()
    for _ in range(3):
        assert metrics_client.get(ME).status_code == 401
    # The scrape itself is a request too, timed once it has answered.
    assert timed() == before + 3 + 1


def test_a_sign_in_over_the_body_limit_is_refused_with_the_headers_and_timed(
        metrics_client: TestClient) -> None:
    """The sign-in lanes apply both body limits in the fused frame (#17): the 413 carries
    the security headers and the request id, and the request is timed like any other."""
    def timed() -> float:
        return scrape(metrics_client)[("secondlock_http_request_duration_seconds_count", ())]

    before = timed()
    declared = metrics_client.post("/api/v1/login", content=b" " * (64 * 1024 + 1),
                                   headers={"Content-Type": "application/json"})
    streamed = metrics_client.post("/api/v1/login/verify",
                                   content=iter([b" " * 1024] * 70),
                                   headers={"Content-Type": "application/json"})
    for answer in (declared, streamed):
        assert answer.status_code == 413
        assert answer.json()["code"] == "payload_too_large"
        assert added_by_middleware(dict(answer.headers))["x-frame-options"] == "DENY"
        assert answer.headers["x-request-id"]
    assert timed() == before + 2 + 1
