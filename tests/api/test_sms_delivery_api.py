"""SMS sign-in end to end through real gateways on loopback: webhook and Twilio shape.

Texts leave through the outbox (#13), off the request path: the challenge answers 202 with
delivery ``pending`` and ``POST /login/challenge/status`` tells what became of the code. The
gateway failing (500, down, hanging) shows there as ``failed`` and keeps everything: the
pending sign-in, the factor, and the right to ask again at once, cooldown or not.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response

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
    match = re.search(r"\b(\d{6})\b", server.wait_for(1)[-1])
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
    assert started.json()["delivery"] == "pending"  # queued; the gateway gets it off-path
    confirmed = client.post(f"/api/v1/me/authenticators/{started.json()['id']}/confirm",
                            json={"code": last_code(sms_server)}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
    clock.advance(seconds=60)
    return account


def delivery_of(client: TestClient, token: str, wanted: str, timeout: float = 10.0) -> str:
    """Ask ``/login/challenge/status`` until the code's delivery is ``wanted``."""
    deadline = time.monotonic() + timeout
    while True:
        state = client.post("/api/v1/login/challenge/status",
                            json={"mfa_token": token, "method": "sms"})
        assert state.status_code == 200, state.text
        delivery: str = state.json()["delivery"]
        if delivery == wanted or time.monotonic() > deadline:
            return delivery
        time.sleep(0.02)


def send(client: TestClient, token: str) -> Response:
    return client.post("/api/v1/login/challenge", json={"mfa_token": token, "method": "sms"})


def test_sign_in_with_a_code_the_gateway_received(client: TestClient, sms_server: FakeGateway,
                                                  phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    before = client.post("/api/v1/login/challenge/status",
                         json={"mfa_token": token, "method": "sms"}).json()
    assert before["delivery"] == "none"
    sent = send(client, token)
    assert sent.status_code == 202, sent.text
    assert sent.json()["delivery"] == "pending"
    sms_server.wait_for(2)
    assert destinations(sms_server) == [PHONE, PHONE]
    body = sms_server.bodies()[-1]
    assert body.startswith(f"{last_code(sms_server)} is your SecondLock code.")
    assert delivery_of(client, token, "sent") == "sent"
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200


def test_gateway_500_shows_as_failed_and_a_new_code_may_be_asked_at_once(
        client: TestClient, app: FastAPI, sms_server: FakeGateway,
        phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    sms_server.fail_with = [500]
    assert send(client, token).status_code == 202
    assert delivery_of(client, token, "failed") == "failed"
    state = client.post("/api/v1/login/challenge/status",
                        json={"mfa_token": token, "method": "sms"}).json()
    assert state["resend_in"] == 0
    # Nothing lost: the same pending sign-in asks again at once (no cooldown), and it works.
    again = send(client, token)
    assert again.status_code == 202, again.text
    sms_server.wait_for(3)
    assert delivery_of(client, token, "sent") == "sent"
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200
    # The refused code was replaced: the outbox does not retry it later.
    app.state.dispatcher.wake()
    time.sleep(0.3)
    assert len(sms_server.received) == 3


def test_a_sent_code_keeps_the_cooldown(client: TestClient, sms_server: FakeGateway,
                                        phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    assert send(client, token).status_code == 202
    assert delivery_of(client, token, "sent") == "sent"
    refused = send(client, token)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0


def test_gateway_down_or_hanging_shows_as_failed(client: TestClient, app: FastAPI,
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
            assert send(client, token).status_code == 202
            assert delivery_of(client, token, "failed") == "failed"
    finally:
        down.close()
        hanging.close()
        rt.sms = working
    sms_server.hang = False
    sms_server.release.set()
    received = len(sms_server.received)
    assert send(client, token).status_code == 202
    sms_server.wait_for(received + 1)
    assert verify(client, token, last_code(sms_server), method="sms").status_code == 200


def test_a_code_that_expires_before_the_gateway_takes_it_is_dropped(
        client: TestClient, app: FastAPI, clock: FixedClock, sms_server: FakeGateway,
        phone_account: MadeAccount) -> None:
    token = start_login(client, phone_account)
    sms_server.fail_with = [500]
    assert send(client, token).status_code == 202
    assert delivery_of(client, token, "failed") == "failed"
    clock.advance(minutes=11)  # past the retry and past the code's (and sign-in's) expiry
    app.state.dispatcher.wake()
    time.sleep(0.5)
    assert len(sms_server.received) == 2  # the enrollment code and the refused attempt


def test_a_failed_first_text_can_be_sent_again_at_once(
        client: TestClient, sms_server: FakeGateway,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    sms_server.fail_with = [500]
    started = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                          headers=account.auth)
    assert started.status_code == 201, started.text
    factor = started.json()["id"]
    sms_server.wait_for(1)
    deadline = time.monotonic() + 10
    while True:  # the outbox records the refusal just after the gateway answered
        again = client.post(f"/api/v1/me/authenticators/{factor}/resend", headers=account.auth)
        if again.status_code != 429 or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert again.status_code == 202, again.text
    sms_server.wait_for(2)
    confirmed = client.post(f"/api/v1/me/authenticators/{factor}/confirm",
                            json={"code": last_code(sms_server)}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
