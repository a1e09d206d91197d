"""'This wasn't me' (AUD, SES): every security mail carries a single-use link that locks
everyone out of the account and asks for a new password at the next sign-in."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from urllib.parse import parse_qs, urlparse

from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Account, ActivityEvent
from tests.api.conftest import TotpAccount, start_login
from tests.api.test_trusted_devices_api import login, remembered
from tests.conftest import MadeAccount

NOT_ME = "/api/v1/not-me"
LINK = re.compile(r"This wasn't me: (\S+)")


def not_me_links(outbox: OutboxMailer, to: str) -> list[str]:
    """The links of the mails to ``to``, newest first."""
    return [m.group(1) for sent in outbox.latest() if sent.message.to == to
            for m in [LINK.search(sent.message.text)] if m]


def token_of(url: str) -> str:
    return parse_qs(urlparse(url).query)["token"][0]


def test_every_security_mail_carries_its_own_link_built_from_the_origin(
        totp_factory: Callable[..., TotpAccount], outbox: OutboxMailer,
        client: TestClient) -> None:
    made = totp_factory()  # 2FA turned on: a security mail
    client.post("/api/v1/me/recovery-codes", headers=made.account.auth)  # and another
    links = not_me_links(outbox, made.account.email)
    assert len(links) == 2
    assert links[0] != links[1]
    assert all(link.startswith("http://localhost:8000/not-me?token=") for link in links)
    mail = next(s.message for s in outbox.latest() if LINK.search(s.message.text))
    assert "This wasn't me" in html.unescape(mail.html or "")
    assert token_of(links[0]) in (mail.html or "")


def test_the_link_signs_everyone_out_and_asks_for_a_new_password(
        totp_factory: Callable[..., TotpAccount], outbox: OutboxMailer, client: TestClient,
        clock: FixedClock, database: Database) -> None:
    made = totp_factory()
    other_session = made.account.auth
    device_token = remembered(client, clock, made)["device_token"]
    pending = start_login(client, made.account)
    link = not_me_links(outbox, made.account.email)[0]

    assert client.post(NOT_ME, json={"token": token_of(link)}).status_code == 204

    assert client.get("/api/v1/me", headers=other_session).status_code == 401
    assert login(client, made.account.email, device_token).json()["status"] == "mfa_required"
    assert client.post("/api/v1/login/verify", json={
        "mfa_token": pending, "method": "totp", "code": "123456"}).status_code in (401, 410)
    with database.read() as s:
        account = s.get(Account, made.account.id)
        assert account is not None
        assert account.password_change_required
        events = s.scalars(select(ActivityEvent.event).where(
            ActivityEvent.account_id == made.account.id)).all()
    assert "not_me" in events
    secured = outbox.latest()[0].message
    assert secured.to == made.account.email
    assert "secured your account" in secured.text
    assert not LINK.search(secured.text)  # no link to "undo" the lock-out


def test_the_link_works_once_and_expires_after_a_week(
        totp_factory: Callable[..., TotpAccount], outbox: OutboxMailer, client: TestClient,
        clock: FixedClock) -> None:
    made = totp_factory()
    client.post("/api/v1/me/recovery-codes", headers=made.account.auth)
    newer, older = (token_of(u) for u in not_me_links(outbox, made.account.email)[:2])
    assert client.post(NOT_ME, json={"token": newer}).status_code == 204
    again = client.post(NOT_ME, json={"token": newer})
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_token"
    clock.advance(days=7, seconds=1)
    assert client.post(NOT_ME, json={"token": older}).json()["code"] == "invalid_token"


def test_the_link_touches_only_its_own_account(
        totp_factory: Callable[..., TotpAccount],
        account_factory: Callable[..., MadeAccount], outbox: OutboxMailer,
        client: TestClient) -> None:
    bystander = account_factory()
    made = totp_factory()
    link = not_me_links(outbox, made.account.email)[0]
    assert client.post(NOT_ME, json={"token": token_of(link)}).status_code == 204
    assert client.get("/api/v1/me", headers=bystander.auth).status_code == 200


def test_bad_tokens_get_a_clear_error(client: TestClient) -> None:
    for body in ({"token": "nope"}, {"token": ""}, {"token": "x" * 300}, {"token": 5}, {}):
        response = client.post(NOT_ME, json=body)
        assert response.status_code in (400, 422), body
        assert response.headers["content-type"].startswith("application/problem+json")


def test_a_confirmed_second_address_gets_every_alert_with_its_own_link(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    """AUD-4: an email factor at another address hears about security events too."""
    from tests.api.oob_helpers import last_mail_code

    made = account_factory()
    backup = "ada.backup@example.org"
    started = client.post("/api/v1/me/authenticators/email", json={"email": backup},
                          headers=made.auth)
    assert started.status_code == 201, started.text
    assert client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                       json={"code": last_mail_code(outbox, backup)},
                       headers=made.auth).status_code == 200  # 2FA on: an alert
    to_owner, to_backup = not_me_links(outbox, made.email), not_me_links(outbox, backup)
    assert len(to_owner) == 1
    assert len(to_backup) == 1
    assert to_owner != to_backup
    assert client.post(NOT_ME, json={"token": token_of(to_backup[0])}).status_code == 204
    assert client.get("/api/v1/me", headers=made.auth).status_code == 401
