"""SMS sign-in end to end through real gateways on loopback: webhook and Twilio shape.

The gateway failing (500, down, hanging) gives a clear 503 and keeps everything: the pending
sign-in, the factor, and the right to ask again at once.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.sms import WebhookSms
from tests.api.conftest import start_login, verify
from tests.conftest import MadeAccount
from tests.notifications.conftest import free_port
from tests.notifications.sms_server import TWILIO_SID, TWILIO_TOKEN, FakeGateway, sms_server

__all__ = ["sms_server"]

PHONE = "+447400123456"


@pytest.fixture(params=["webhook", "twilio"])
def settings(request: pytest.FixtureRequest, settings_factory: Callable[..., Settings],
             sms_server: FakeGateway) -> Settings:
    if request.param == "webhook":
        return settings_factory(sms_provider="webhook", sms_webhook_auth="Bearer hook-token",
                                sms_webhook_url=f"{sms_server.base_url}/sms")
    return settings_factory(sms_provider="twilio", twilio_account_sid=TWILIO_SID,
                            twilio_auth_token=TWILIO_TOKEN, twilio_from="+15005550006",
                            twilio_base_url=sms_server.base_url)


def last_code(server: FakeGateway) -> str:
    match = re.search(r"\b(\d{6})\b", server.bodies()[-1])
    assert match
    return match.group(1)


def destinations(server: FakeGateway) -> list[str]:
    return [r.json["to"] if r.json else r.form["To"] for r in server.received]


@pytest.fixture
def phone_account(client: TestClient, sms_server: FakeGateway, clock: FixedClock,
                  account_factory: Callable[..., MadeAccount]) -> MadeAccount:
    account = account_factory()
    started = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                          headers=account.auth)
    assert started.status_code == 201, started.text
    confirmed = client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                            json={"code": last_code(sms_server)}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
    clock.advance(seconds=60)
    return account


def test_sign_in_with_a_code_the_gateway_received(client: TestClient, sms_server: FakeGateway,
                                                  phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    sent = client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "sms"})
    assert sent.status_code == 202, sent.text
    assert destinations(sms_server) == [PHONE, PHONE]
    body = sms_server.bodies()[-1]
    assert body.startswith(f"{last_code(sms_server)} is your SecondLock code.")
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200


def test_gateway_500_gives_a_clear_error_and_keeps_the_sign_in(
        client: TestClient, sms_server: FakeGateway, phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    sms_server.fail_with = [500]
    failed = client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "sms"})
    assert failed.status_code == 503
    assert failed.json()["code"] == "delivery_failed"
    assert "another way" in failed.json()["detail"]
    # Nothing lost: the same pending sign-in may ask again at once, and it works.
    again = client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "sms"})
    assert again.status_code == 202, again.text
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200


def test_gateway_down_or_hanging_gives_a_clear_error(client: TestClient, app: FastAPI,
                                                     sms_server: FakeGateway,
                                                     phone_account: MadeAccount) -> None:
    rt = app.state.services.rt
    working = rt.sms
    token = start_login(client, phone_account)
    down = WebhookSms(f"http://127.0.0.1:{free_port()}/sms", retry_delays=(0.0,))
    hanging = WebhookSms(f"{sms_server.base_url}/sms", timeout=0.2, retry_delays=())
    try:
        for broken in (down, hanging):
            sms_server.hang = broken is hanging
            rt.sms = broken
            failed = client.post("/api/v1/login/challenge",
                                 json={"mfa_token": token, "method": "sms"})
            assert failed.status_code == 503, failed.text
            assert failed.json()["code"] == "delivery_failed"
    finally:
        down.close()
        hanging.close()
        rt.sms = working
    sms_server.hang = False
    sms_server.release.set()
    assert client.post("/api/v1/login/challenge",
                       json={"mfa_token": token, "method": "sms"}).status_code == 202
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200


def test_a_failed_first_text_leaves_no_half_added_phone(
        client: TestClient, sms_server: FakeGateway,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    sms_server.fail_with = [500]
    failed = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                         headers=account.auth)
    assert failed.status_code == 503
    assert client.get("/api/v1/me/authenticators", headers=account.auth).json() == []
    ok = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                     headers=account.auth)
    assert ok.status_code == 201, ok.text
