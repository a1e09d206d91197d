from __future__ import annotations

import threading
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Account
from tests.conftest import PASSWORD, MadeAccount


def test_sign_up_returns_id_and_normalised_email(client: TestClient) -> None:
    response = client.post("/api/v1/accounts",
                           json={"email": "  Ada.Lovelace@Example.COM ", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada.lovelace@example.com"
    assert set(body) == {"id", "email"}


def test_same_email_in_other_case_is_taken(client: TestClient) -> None:
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD})
    response = client.post("/api/v1/accounts",
                           json={"email": "ADA@example.com", "password": PASSWORD})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "email_taken"


def test_invalid_email_is_422_invalid_email(client: TestClient) -> None:
    response = client.post("/api/v1/accounts", json={"email": "not-an-email", "password": PASSWORD})
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_email"


def test_common_password_is_refused_with_reason(client: TestClient) -> None:
    response = client.post("/api/v1/accounts",
                           json={"email": "ada@example.com", "password": "1QAZ2wsx3edc4rfv"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "weak_password"
    assert body["reason"] == "blocklisted"


def test_sign_up_mails_a_confirmation_link_on_the_configured_origin(
        client: TestClient, outbox: OutboxMailer) -> None:
    client.post("/api/v1/accounts", json={"email": "ada@example.com", "password": PASSWORD},
                headers={"Host": "evil.example"})
    sent = outbox.latest()
    assert len(sent) == 1
    assert sent[0].message.to == "ada@example.com"
    assert "http://localhost:8000/verify-email?token=" in sent[0].message.text
    assert "evil.example" not in sent[0].message.text


def test_two_sign_ups_for_one_email_at_once_create_exactly_one_account(
        client: TestClient, database: Database) -> None:
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def sign_up(i: int) -> None:
        barrier.wait()
        response = client.post("/api/v1/accounts",
                               json={"email": f"{'RACE' if i % 2 else 'race'}@example.com",
                                     "password": PASSWORD})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=sign_up, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [201, 409, 409, 409, 409, 409]
    with database.read() as s:
        assert s.scalar(select(func.count()).select_from(Account)) == 1


def test_me_shows_the_account(client: TestClient,
                              account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory(email="ada@example.com")
    response = client.get("/api/v1/me", headers=account.auth)
    assert response.status_code == 200
    assert response.json() == {"id": account.id, "email": "ada@example.com",
                               "email_verified": False, "mfa_enabled": False, "methods": [],
                               "recovery_codes_remaining": 0,
                               "password_change_required": False}


def test_sign_ups_from_one_ip_are_limited_per_hour(client: TestClient) -> None:
    statuses = [client.post("/api/v1/accounts", json={"email": f"bulk{i}@example.com",
                                                      "password": PASSWORD}).status_code
                for i in range(21)]
    assert statuses[:20] == [201] * 20
    assert statuses[20] == 429
