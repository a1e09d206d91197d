"""Password reset through the JSON API (AR-1, AR-2, AR-3, PW-8)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.tokens import hash_token
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Account, AccountToken
from tests.api.conftest import TotpAccount, start_login
from tests.api.reset_helpers import NEW_PASSWORD, reset_mails, token_in, wait_for_reset_mail
from tests.conftest import PASSWORD, MadeAccount

RESET = "/api/v1/password-reset"
COMPLETE = "/api/v1/password-reset/complete"


def ask(client: TestClient, email: str, **headers: str) -> str:
    """Request a link and return its token."""
    before = len(reset_mails_for(client, email))
    response = client.post(RESET, json={"email": email}, headers=headers)
    assert response.status_code == 202, response.text
    outbox: OutboxMailer = client.app.state.mailer  # type: ignore[attr-defined]
    return token_in(wait_for_reset_mail(outbox, email, count=before + 1))[1]


def reset_mails_for(client: TestClient, email: str) -> list[object]:
    outbox: OutboxMailer = client.app.state.mailer  # type: ignore[attr-defined]
    return list(reset_mails(outbox, email))


def complete(client: TestClient, token: str, password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(COMPLETE, json={"token": token, "new_password": password})


def test_unknown_and_known_addresses_get_the_same_answer(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    known = client.post(RESET, json={"email": made.email})
    unknown = client.post(RESET, json={"email": "nobody@example.com"})
    malformed = client.post(RESET, json={"email": "not an address"})
    for response in (unknown, malformed):
        assert response.status_code == known.status_code == 202
        assert response.content == known.content
        # Every answer has its own date and X-Request-ID; everything else is the same.
        assert {k: v for k, v in response.headers.items()
                if k not in ("date", "x-request-id")} == \
            {k: v for k, v in known.headers.items() if k not in ("date", "x-request-id")}
    wait_for_reset_mail(outbox, made.email)
    assert [m.to for m in reset_mails(outbox)] == [made.email]


def test_the_link_uses_the_configured_origin_never_the_host_header(
        settings_factory: Callable[..., Settings], clock: FixedClock, outbox: OutboxMailer,
        database: Database) -> None:
    from secondlock.web.app import create_app

    settings = settings_factory(origin="https://accounts.shop.example")
    app = create_app(settings, clock=clock, mailer=outbox, database=database)
    with TestClient(app, base_url="https://accounts.shop.example") as client:
        assert client.post("/api/v1/accounts", json={"email": "ada@example.com",
                                                     "password": PASSWORD}).status_code == 201
        response = client.post(RESET, json={"email": "ada@example.com"},
                               headers={"Host": "evil.example",
                                        "X-Forwarded-Host": "evil.example",
                                        "X-Forwarded-Proto": "http"})
        assert response.status_code == 202
        mail = wait_for_reset_mail(outbox, "ada@example.com")
    origin, token = token_in(mail)
    assert origin == "https://accounts.shop.example"
    assert "evil.example" not in mail.text
    assert len(token) >= 22  # >= 128 bits in URL-safe base64
    assert mail.html is not None
    assert "evil.example" not in mail.html


def test_the_token_is_stored_only_hashed_and_expires_in_an_hour(
        client: TestClient, database: Database,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    with database.read() as s:
        rows = list(s.scalars(select(AccountToken).where(AccountToken.purpose ==
                                                         "password_reset")))
    assert [r.token_hash for r in rows] == [hash_token(token)]
    assert (rows[0].expires_at - rows[0].created_at).total_seconds() == 3600


def test_a_link_works_once(client: TestClient,
                           account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    first = complete(client, token)
    assert first.status_code == 204
    assert "set-cookie" not in first.headers  # AR-1: no session
    assert first.content == b""
    again = complete(client, token, "yet another long passphrase here")
    assert again.status_code == 410
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["code"] == "reset_link_expired"
    login = client.post("/api/v1/login", json={"email": made.email, "password": NEW_PASSWORD})
    assert login.status_code == 200
    old = client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD})
    assert old.status_code == 401


def test_a_link_expires_after_sixty_minutes(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    clock.advance(minutes=60)
    response = complete(client, token)
    assert response.status_code == 410
    assert response.json()["code"] == "reset_link_expired"


def test_a_link_still_works_just_before_it_expires(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    clock.advance(minutes=59)
    assert complete(client, token).status_code == 204


def test_an_unknown_token_is_refused_clearly(client: TestClient) -> None:
    response = complete(client, "not-a-token-we-ever-sent")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"
    too_long = complete(client, "x" * 600)
    assert too_long.status_code in (400, 422)


def test_a_newer_link_voids_the_older_one(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    first = ask(client, made.email)
    second = ask(client, made.email)
    assert complete(client, first).json()["code"] == "reset_link_expired"
    assert complete(client, second).status_code == 204


def test_a_weak_new_password_is_refused_and_the_link_keeps_working(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    for weak, reason in (("short", "too_short"), ("1QAZ2wsx3edc4rfv", "blocklisted"),
                         (made.email, "contextual")):
        response = complete(client, token, weak)
        assert response.status_code == 422, weak
        assert response.json()["reason"] == reason
    assert complete(client, token).status_code == 204


def test_after_a_reset_the_second_factor_is_still_asked(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask(client, made.account.email)
    assert complete(client, token).status_code == 204
    answer = client.post("/api/v1/login", json={"email": made.account.email,
                                                "password": NEW_PASSWORD})
    assert answer.status_code == 200
    assert answer.json()["status"] == "mfa_required"
    assert "token" not in answer.json()


def test_a_reset_ends_every_session_remembered_device_and_pending_sign_in(
        client: TestClient, clock: FixedClock, database: Database,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    pending = start_login(client, made.account)
    remembered = client.post("/api/v1/login/verify", json={
        "mfa_token": start_login(client, made.account), "method": "totp",
        "remember_device": True, "code": code_at(made.secret, clock.now())}).json()
    clock.advance(seconds=30)
    token = ask(client, made.account.email)
    assert complete(client, token).status_code == 204

    for session in (made.account.token, remembered["token"]):
        gone = client.get("/api/v1/me", headers={"Authorization": f"Bearer {session}"})
        assert gone.status_code == 401
    # The sign-in that was waiting for its code cannot finish after the reset.
    late = client.post("/api/v1/login/verify", json={
        "mfa_token": pending, "method": "totp", "code": code_at(made.secret, clock.now())})
    assert late.status_code in (401, 410)
    # The remembered device no longer skips the code.
    again = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": NEW_PASSWORD,
                                               "device_token": remembered["device_token"]})
    assert again.json()["status"] == "mfa_required"
    with database.read() as s:
        account = s.get(Account, made.account.id)
        assert account is not None
        assert account.password_reset_at == clock.now()


def test_the_owner_is_mailed_and_the_reset_is_recorded(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask(client, made.email)
    assert complete(client, token).status_code == 204
    notices = [m.message for m in outbox.latest() if m.message.kind == "password_reset"]
    assert [n.to for n in notices] == [made.email]
    assert token not in notices[0].text
    signed_in = client.post("/api/v1/login", json={"email": made.email,
                                                   "password": NEW_PASSWORD}).json()
    events = client.get("/api/v1/me/activity",
                        headers={"Authorization": f"Bearer {signed_in['token']}"}).json()
    names = [e["event"] for e in events]
    assert "password_reset" in names
    assert "password_reset_requested" in names


def test_requests_are_throttled_per_address_known_or_not(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    for email in (made.email, "nobody@example.com"):
        statuses = [client.post(RESET, json={"email": email}).status_code for _ in range(4)]
        assert statuses == [202, 202, 202, 429], email
    refused = client.post(RESET, json={"email": made.email})
    assert refused.json()["code"] == "too_many_attempts"
    assert 0 < int(refused.headers["Retry-After"]) <= 3600


def test_requests_are_throttled_per_network(client: TestClient) -> None:
    statuses = [client.post(RESET, json={"email": f"someone{i}@example.com"}).status_code
                for i in range(21)]
    assert statuses == [202] * 20 + [429]


def test_the_throttle_lifts_after_an_hour(
        client: TestClient, clock: FixedClock) -> None:
    for _ in range(3):
        client.post(RESET, json={"email": "ada@example.com"})
    assert client.post(RESET, json={"email": "ada@example.com"}).status_code == 429
    clock.advance(minutes=61)
    assert client.post(RESET, json={"email": "ada@example.com"}).status_code == 202


def test_no_token_reaches_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture,
                                   account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    with caplog.at_level(logging.DEBUG):
        token = ask(client, made.email)
        complete(client, token)
        complete(client, token)
    assert token not in caplog.text
    assert NEW_PASSWORD not in caplog.text


def test_unknown_fields_are_refused(client: TestClient) -> None:
    response = client.post(RESET, json={"email": "a@example.com", "host": "evil.example"})
    assert response.status_code == 422


def test_a_reset_confirms_the_mailbox_and_clears_the_common_password_flag(
        client: TestClient, database: Database,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    with database.write() as s:
        account = s.get(Account, made.id)
        assert account is not None
        assert account.email_verified_at is None
        account.password_blocklisted = True
        s.commit()
    assert complete(client, ask(client, made.email)).status_code == 204
    with database.read() as s:
        account = s.get(Account, made.id)
        assert account is not None
        assert account.email_verified_at is not None  # the link proved the mailbox
        assert not account.password_blocklisted
