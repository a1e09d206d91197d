"""While the database is away: 503 problem+json at once, never a 500 or a hang (#17)."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_requests_answer_503_database_unavailable_quickly(
        settings_factory: Callable[..., Settings], clock: FixedClock,
        outbox: OutboxMailer) -> None:
    app = create_app(settings_factory(), clock=clock, mailer=outbox,
                     database=Database(UNREACHABLE))
    started = time.monotonic()
    with TestClient(app, raise_server_exceptions=False) as client:
        answers = [
            client.post("/api/v1/login", json={"email": "ada@example.com",
                                               "password": "a long enough password"}),
            client.get("/api/v1/me", headers={"Authorization": "Bearer some-token"}),
        ]
        health = client.get("/healthz")
    assert time.monotonic() - started < 10
    for response in answers:
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "database_unavailable"
        assert response.headers["retry-after"] == "1"
    assert health.status_code == 503
