"""Email codes as a (weak) factor, delivered through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.api.conftest import start_login, verify
from tests.conftest import MadeAccount
from tests.notifications.conftest import Inbox, smtp_server

__all__ = ["smtp_server"]


@pytest.fixture
def settings(settings_factory: Callable[..., Settings],
             smtp_server: tuple[Inbox, int]) -> Settings:
    return settings_factory(smtp_url=f"smtp://127.0.0.1:{smtp_server[1]}")


@pytest.fixture
def app(settings: Settings, clock: FixedClock, database: Database) -> FastAPI:
    return create_app(settings, clock=clock, database=database)  # real SMTP delivery


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    return smtp_server[0]


def code_mails(inbox: Inbox, to: str) -> list[EmailMessage]:
    return [m for m in list(inbox.messages) if m["To"] == to.casefold()
            and str(m["Subject"]).startswith("SecondLock code")]


def code_mail(inbox: Inbox, to: str, nth: int) -> tuple[EmailMessage, str]:
    """The ``nth`` code mail to ``to`` (1-based), once it arrived."""
    waiting = threading.Event()
    for _ in range(200):
        if len(code_mails(inbox, to)) >= nth:
            break
        waiting.wait(0.05)
    mails = code_mails(inbox, to)
    assert len(mails) >= nth, [m["Subject"] for m in inbox.messages]
    body = mails[nth - 1].get_body(("plain",))
    assert body is not None
    match = re.search(r"\b(\d{6})\b", body.get_content())
    assert match
    return mails[nth - 1], match.group(1)


def add_email_factor(client: TestClient, inbox: Inbox, account: MadeAccount,
                     email: str | None = None) -> str:
    before = len(code_mails(inbox, email or account.email))
    started = client.post("/api/v1/me/authenticators/email",
                          json={"email": email} if email else {}, headers=account.auth)
    assert started.status_code == 201, started.text
    _, code = code_mail(inbox, email or account.email, before + 1)
    done = client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                       json={"code": code}, headers=account.auth)
    assert done.status_code == 200, done.text
    return str(started.json()["id"])


def test_email_code_sign_in_through_smtp_never_claims_mfa(
        client: TestClient, app: FastAPI, inbox: Inbox, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    add_email_factor(client, inbox, account)
    clock.advance(seconds=60)
    login = client.post("/api/v1/login", json={"email": account.email,
                                               "password": account.password})
    assert login.json()["methods"] == ["email", "recovery_code"]
    token = login.json()["mfa_token"]
    sent = client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "email"})
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"] == "s\u2022\u2022\u2022@example.com"
    mail, code = code_mail(inbox, account.email, 2)
    assert mail["Subject"] == f"SecondLock code: {code}"
    done = verify(client, token, code, method="email")
    assert done.status_code == 200, done.text
    view = app.state.services.sessions.authenticate(done.json()["token"])
    assert "mfa" not in view.amr.split()
    assert "email" in view.amr.split()
    # Email is this account's strongest factor, so its session may still add a better one.
    assert client.post("/api/v1/me/authenticators/totp", json={},
                       headers={"Authorization": f"Bearer {done.json()['token']}"}
                       ).status_code == 201


def test_another_address_is_confirmed_by_a_code_sent_there(
        client: TestClient, inbox: Inbox, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    add_email_factor(client, inbox, account, email="Backup@Example.org")
    listed = client.get("/api/v1/me/authenticators", headers=account.auth).json()
    assert [(a["type"], a["confirmed"]) for a in listed] == [("email", True)]
    assert any(m["To"] == "backup@example.org" for m in inbox.messages)


def test_email_is_not_enough_to_confirm_changes_next_to_an_app(
        client: TestClient, inbox: Inbox, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    started = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth)
    secret = started.json()["secret"]
    client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                json={"code": code_at(secret, clock.now())}, headers=account.auth)
    add_email_factor(client, inbox, account)  # a backup next to the app
    clock.advance(minutes=11)
    refused = client.post("/api/v1/reauth/challenge", json={"method": "email"},
                          headers=account.auth)
    assert refused.status_code == 403
    assert refused.json()["code"] == "second_factor_required"
    # And a sign-in by email code on this account cannot make sensitive changes.
    token = start_login(client, account)
    client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "email"})
    _, code = code_mail(inbox, account.email, 2)
    session = verify(client, token, code, method="email").json()["token"]
    remove = client.post("/api/v1/me/recovery-codes",
                         headers={"Authorization": f"Bearer {session}"})
    assert remove.status_code == 403
    assert remove.json()["code"] == "reauth_required"


def test_right_after_a_reset_through_the_mailbox_its_code_is_no_second_step(
        client: TestClient, inbox: Inbox, clock: FixedClock, database: Database,
        account_factory: Callable[..., MadeAccount]) -> None:
    from secondlock.storage.orm import Account

    account = account_factory()
    add_email_factor(client, inbox, account)  # the account's own mailbox
    with database.write() as s:  # the password was just reset through a mailed link
        row = s.get(Account, account.id)
        assert row is not None
        row.password_reset_at = clock.now()
        s.commit()

    def sign_in() -> dict[str, object]:
        answer = client.post("/api/v1/login", json={"email": account.email,
                                                    "password": account.password})
        assert answer.json()["status"] == "mfa_required"
        body: dict[str, object] = answer.json()
        return body

    pending = sign_in()
    assert "email" not in pending["methods"]  # type: ignore[operator]
    refused = client.post("/api/v1/login/challenge",
                          json={"mfa_token": pending["mfa_token"], "method": "email"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "same_channel"
    assert verify(client, str(pending["mfa_token"]), "123456", method="email").json()[
        "code"] == "same_channel"

    clock.advance(hours=24, seconds=1)  # a day later the mailbox is a factor again
    pending = sign_in()
    assert "email" in pending["methods"]  # type: ignore[operator]
    assert client.post("/api/v1/login/challenge", json={
        "mfa_token": pending["mfa_token"], "method": "email"}).status_code == 202
