"""Helpers for SMS and email code tests: read codes from the outboxes, set up factors."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.composition import read_through
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from tests.conftest import MadeAccount

CODE = re.compile(r"\b(\d{6})\b")
PHONE = "+12015550123"


def sms_outbox(app: FastAPI) -> OutboxSms:
    """The app's SMS outbox (the development default), made quiet."""
    gateway = OutboxSms(echo=False)
    app.state.services.rt.sms = gateway
    read_through(app.state.services.rt)
    return gateway


def last_sms_code(gateway: OutboxSms, to: str = PHONE) -> str:
    for sent in gateway.latest():
        if sent.to == to:
            match = CODE.search(sent.body)
            assert match, sent.body
            return match.group(1)
    raise AssertionError(f"no text message to {to}")


def last_mail_code(outbox: OutboxMailer, to: str) -> str:
    for sent in outbox.latest():
        if sent.message.to == to and sent.message.kind.startswith("email_code"):
            match = CODE.search(sent.message.text)
            assert match
            return match.group(1)
    raise AssertionError(f"no code mailed to {to}")


def send_code(client: TestClient, mfa_token: str, method: str = "sms") -> httpx.Response:
    """POST /login/challenge for a pending sign-in."""
    return client.post("/api/v1/login/challenge", json={"mfa_token": mfa_token,
                                                        "method": method})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@dataclass
class SmsAccount:
    account: MadeAccount
    authenticator_id: str
    recovery_codes: list[str]


def add_phone(client: TestClient, gateway: OutboxSms, account: MadeAccount,
              phone: str = PHONE) -> tuple[str, list[str]]:
    started = client.post("/api/v1/me/authenticators/sms", json={"phone": phone},
                          headers=account.auth)
    assert started.status_code == 201, started.text
    factor_id: str = started.json()["id"]
    confirmed = client.post(f"/api/v1/me/authenticators/{factor_id}/confirm",
                            json={"code": last_sms_code(gateway, phone)}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
    return factor_id, confirmed.json()["recovery_codes"]


def sms_account_factory(client: TestClient, gateway: OutboxSms, clock: FixedClock,
                        account_factory: Callable[..., MadeAccount]) -> Callable[..., SmsAccount]:
    def make(phone: str = PHONE) -> SmsAccount:
        account = account_factory()
        factor_id, codes = add_phone(client, gateway, account, phone)
        clock.advance(seconds=60)  # past the enrollment's resend cooldown
        return SmsAccount(account, factor_id, codes)

    return make
