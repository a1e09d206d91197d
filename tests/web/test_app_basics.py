"""Security headers on every response, /healthz, and the published OpenAPI schema."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/me"), ("POST", "/api/v1/login"), ("GET", "/openapi.json"),
    ("GET", "/healthz"), ("GET", "/api/v1/nope"), ("GET", "/"), ("GET", "/login"),
    ("GET", "/no-such-page"),
])
def test_security_headers_on_every_response(client: TestClient, method: str,
                                            path: str) -> None:
    response = client.request(method, path, json={} if method == "POST" else None)
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-frame-options"] == "DENY"
    assert "strict-transport-security" not in headers  # plain http on localhost


def test_hsts_when_served_over_https(settings_factory: Callable[..., Settings],
                                     clock: FixedClock, outbox: OutboxMailer,
                                     database: Database) -> None:
    app = create_app(settings_factory(origin="https://accounts.shop.example"), clock=clock,
                     mailer=outbox, database=database)
    with TestClient(app, base_url="https://accounts.shop.example") as client:
        response = client.get("/healthz")
    assert response.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"


def test_api_responses_are_not_cached(client: TestClient) -> None:
    assert client.get("/api/v1/me").headers["cache-control"] == "no-store"


def test_healthz_is_200_with_a_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_without_a_database(settings_factory: Callable[..., Settings],
                                           clock: FixedClock, outbox: OutboxMailer) -> None:
    dead = Database("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    app = create_app(settings_factory(), clock=clock, mailer=outbox, database=dead)
    with TestClient(app) as client:
        response = client.get("/healthz")
    assert response.status_code == 503


CONTRACT = {
    ("post", "/api/v1/accounts"), ("post", "/api/v1/login"), ("post", "/api/v1/login/verify"),
    ("post", "/api/v1/reauth"), ("post", "/api/v1/logout"), ("get", "/api/v1/me"),
    ("get", "/api/v1/me/sessions"), ("delete", "/api/v1/me/sessions/{session_id}"),
    ("get", "/api/v1/me/authenticators"), ("post", "/api/v1/me/authenticators/totp"),
    ("post", "/api/v1/me/authenticators/{authenticator_id}/confirm"),
    ("patch", "/api/v1/me/authenticators/{authenticator_id}"),
    ("delete", "/api/v1/me/authenticators/{authenticator_id}"),
    ("get", "/api/v1/me/recovery-codes"), ("post", "/api/v1/me/recovery-codes"),
}


def test_openapi_lists_the_contract_with_problem_errors(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    published = {(method, path) for path, item in schema["paths"].items() for method in item}
    assert published >= CONTRACT
    login = schema["paths"]["/api/v1/login"]["post"]["responses"]
    assert {"200", "401", "429"} <= set(login)
    assert "application/problem+json" in login["401"]["content"]
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
