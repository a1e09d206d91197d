"""The notices at the start go to every channel through a real SMTP server and a real SMS
gateway on loopback, each with a cancel link that works."""

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
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.api.test_email_codes_api import add_email_factor
from tests.api.test_sms_delivery_api import PHONE, last_code
from tests.conftest import PASSWORD, MadeAccount
from tests.notifications.conftest import Inbox, smtp_server
from tests.notifications.sms_server import FakeGateway, sms_server
from tests.recovery.helpers import CANCEL, DELAY, LINK, status, token_of

__all__ = ["sms_server", "smtp_server"]

OTHER_ADDRESS = "second.inbox@example.org"


@pytest.fixture
def settings(settings_factory: Callable[..., Settings], smtp_server: tuple[Inbox, int],
             sms_server: FakeGateway) -> Settings:
    return settings_factory(recovery_delay=DELAY,
                            smtp_url=f"smtp://127.0.0.1:{smtp_server[1]}",
                            sms_provider="webhook", sms_webhook_url=f"{sms_server.base_url}/sms")


@pytest.fixture
def app(settings: Settings, clock: FixedClock, database: Database) -> FastAPI:
    return create_app(settings, clock=clock, database=database)  # real SMTP delivery


def bodies_to(inbox: Inbox, to: str, subject_part: str, count: int = 1) -> list[str]:
    waiting = threading.Event()
    found: list[str] = []
    for _ in range(200):
        found = [body.get_content() for m in list(inbox.messages)
                 if m["To"] == to and subject_part in str(m["Subject"])
                 for body in [m.get_body(("plain",))] if isinstance(m, EmailMessage) and body]
        if len(found) >= count:
            return found
        waiting.wait(0.05)
    raise AssertionError(f"no mail '{subject_part}' to {to}: "
                         f"{[(m['To'], m['Subject']) for m in inbox.messages]}")


@pytest.fixture
def everything_account(client: TestClient, sms_server: FakeGateway, clock: FixedClock,
                       smtp_server: tuple[Inbox, int],
                       account_factory: Callable[..., MadeAccount]) -> MadeAccount:
    """An account with a phone and an email factor at a second address."""
    account = account_factory()
    started = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                          headers=account.auth)
    assert started.status_code == 201, started.text
    confirmed = client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                            json={"code": last_code(sms_server)}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
    clock.advance(seconds=60)
    add_email_factor(client, smtp_server[0], account, OTHER_ADDRESS)
    return account


def started(client: TestClient, inbox: Inbox, account: MadeAccount) -> str:
    assert client.post("/api/v1/recovery", json={"email": account.email}).status_code == 202
    match = LINK.search(bodies_to(inbox, account.email, "recover your account")[0])
    assert match
    token = token_of(match.group(0))
    answer = client.post("/api/v1/recovery/start", json={"token": token, "password": PASSWORD})
    assert answer.status_code == 202, answer.text
    return token


def test_every_channel_is_told_and_the_texted_link_cancels(
        client: TestClient, smtp_server: tuple[Inbox, int], sms_server: FakeGateway,
        everything_account: MadeAccount) -> None:
    inbox = smtp_server[0]
    token = started(client, inbox, everything_account)
    to_account = bodies_to(inbox, everything_account.email, "recovering your account")
    to_factor = bodies_to(inbox, OTHER_ADDRESS, "recovering your account")
    sms_server.wait_for(2)  # the enrollment code, then the recovery notice
    texts = [r.json for r in sms_server.received if "recovery" in r.json["body"]]
    assert [t["to"] for t in texts] == [PHONE]
    links = [CANCEL.search(body) for body in (to_account[0], to_factor[0], texts[0]["body"])]
    assert all(links)
    tokens = {token_of(m.group(0)) for m in links if m}
    assert len(tokens) == 3  # each notice has a link of its own
    texted = next(token_of(m.group(0)) for m in [CANCEL.search(texts[0]["body"])] if m)
    assert client.post("/api/v1/recovery/cancel", json={"token": texted}).status_code == 204
    assert status(client, token) == "cancelled"
    bodies_to(inbox, everything_account.email, "recovery was stopped")


def test_the_mailed_link_to_an_email_factor_cancels(
        client: TestClient, smtp_server: tuple[Inbox, int],
        everything_account: MadeAccount) -> None:
    inbox = smtp_server[0]
    token = started(client, inbox, everything_account)
    match = CANCEL.search(bodies_to(inbox, OTHER_ADDRESS, "recovering your account")[0])
    assert match
    answer = client.post("/api/v1/recovery/cancel", json={"token": token_of(match.group(0))})
    assert answer.status_code == 204
    assert status(client, token) == "cancelled"
    assert re.search(r"stopped", bodies_to(inbox, everything_account.email,
                                           "recovery was stopped")[0])
