"""SMS codes through the API: add a phone, sign in with a texted code, resend rules."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from tests.api.conftest import start_login, verify
from tests.api.oob_helpers import (
    PHONE,
    SmsAccount,
    add_phone,
    last_sms_code,
    send_code,
    sms_account_factory,
    sms_outbox,
    wrong,
)
from tests.conftest import MadeAccount


@pytest.fixture
def gateway(app: FastAPI) -> OutboxSms:
    return sms_outbox(app)


@pytest.fixture
def sms_factory(client: TestClient, gateway: OutboxSms, clock: FixedClock,
                account_factory: Callable[..., MadeAccount]) -> Callable[..., SmsAccount]:
    return sms_account_factory(client, gateway, clock, account_factory)


def test_adding_a_phone_texts_a_code_and_confirming_turns_2fa_on(
        client: TestClient, gateway: OutboxSms, account_factory: Callable[..., MadeAccount]
) -> None:
    account = account_factory()
    started = client.post("/api/v1/me/authenticators/sms",
                          json={"phone": "+1 (201) 555-0123", "name": "My phone"},
                          headers=account.auth)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["sent_to"] == "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0123"
    assert gateway.latest()[0].to == PHONE  # stored and sent as E.164
    code = last_sms_code(gateway)
    assert code not in started.text
    confirmed = client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                            json={"code": code}, headers=account.auth)
    assert confirmed.status_code == 200, confirmed.text
    assert len(confirmed.json()["recovery_codes"]) == 10
    me = client.get("/api/v1/me", headers=account.auth).json()
    assert me["mfa_enabled"]
    assert "sms" in me["methods"]
    listed = client.get("/api/v1/me/authenticators", headers=account.auth).json()
    assert [(a["type"], a["name"], a["confirmed"]) for a in listed] == [
        ("sms", "My phone", True)]


@pytest.mark.parametrize("phone", ["12345", "+1 555 0100", "not a number", "+999 1234567",
                                   "2015550123", "+1" + "2" * 30])
def test_invalid_phone_numbers_get_422_with_a_clear_message(
        client: TestClient, gateway: OutboxSms, account_factory: Callable[..., MadeAccount],
        phone: str) -> None:
    account = account_factory()
    response = client.post("/api/v1/me/authenticators/sms", json={"phone": phone},
                           headers=account.auth)
    assert response.status_code == 422, response.text
    assert response.json()["code"] in ("invalid_phone", "validation_error")
    assert response.headers["content-type"].startswith("application/problem+json")
    assert not gateway.latest()
    assert client.get("/api/v1/me/authenticators", headers=account.auth).json() == []


def test_sms_sign_in_with_the_texted_code(client: TestClient, gateway: OutboxSms,
                                         sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    token = start_login(client, made.account)
    sent = send_code(client, token)
    assert sent.status_code == 202, sent.text
    assert sent.json()["sent_to"].endswith("0123")
    assert 0 < sent.json()["expires_in"] <= 300  # never beyond the pending sign-in
    assert sent.json()["resend_in"] == 30
    done = verify(client, token, last_sms_code(gateway), method="sms")
    assert done.status_code == 200, done.text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {done.json()['token']}"})
    assert me.status_code == 200


def test_a_code_works_once(client: TestClient, gateway: OutboxSms,
                           sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    token = start_login(client, made.account)
    send_code(client, token)
    code = last_sms_code(gateway)
    assert verify(client, token, code, method="sms").status_code == 200
    token2 = start_login(client, made.account)
    assert verify(client, token2, code, method="sms").status_code == 401


def test_resend_is_refused_during_the_cooldown_then_voids_the_old_code(
        client: TestClient, gateway: OutboxSms, clock: FixedClock,
        sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    token = start_login(client, made.account)
    assert send_code(client, token).status_code == 202
    first = last_sms_code(gateway)
    clock.advance(seconds=29)
    early = send_code(client, token)
    assert early.status_code == 429
    assert early.headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    again = send_code(client, token)
    assert again.status_code == 202
    assert again.json()["resend_in"] == 60  # the cooldown grows
    second = last_sms_code(gateway)
    if first != second:
        assert verify(client, token, first, method="sms").status_code == 401
    clock.advance(seconds=59)
    assert send_code(client, token).status_code == 429
    assert verify(client, token, second, method="sms").status_code == 200


def test_five_tries_per_code_and_a_resend_keeps_the_count(
        client: TestClient, gateway: OutboxSms, clock: FixedClock,
        sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    token = start_login(client, made.account)
    send_code(client, token)
    code = last_sms_code(gateway)
    for _ in range(5):
        assert verify(client, token, wrong(code), method="sms").status_code == 401
    # The sixth try, even with the right code, is refused: the code is used up.
    assert verify(client, token, code, method="sms").status_code == 401
    clock.advance(seconds=30)
    assert send_code(client, token).status_code == 202
    fresh = last_sms_code(gateway)
    # A new code has its own 5 tries, but the account's failure count was not reset: three
    # more failures reach the account lock at 10 (6 so far + 3 + this one).
    for _ in range(3):
        assert verify(client, token, wrong(fresh), method="sms").status_code == 401
    locked = verify(client, token, wrong(fresh), method="sms")
    assert locked.status_code == 401
    assert verify(client, token, fresh, method="sms").status_code == 429


def test_a_code_expires_after_ten_minutes(client: TestClient, gateway: OutboxSms,
                                          clock: FixedClock,
                                          sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    sent = client.post("/api/v1/reauth/challenge", json={"method": "sms"},
                       headers=made.account.auth)
    assert sent.status_code == 202, sent.text
    assert sent.json()["expires_in"] == 600
    code = last_sms_code(gateway)
    clock.advance(minutes=10)
    late = client.post("/api/v1/reauth", json={"method": "sms", "code": code},
                       headers=made.account.auth)
    assert late.status_code == 401


def test_reauth_with_a_texted_code(client: TestClient, gateway: OutboxSms, clock: FixedClock,
                                   sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    clock.advance(minutes=11)  # the sign-in is no longer recent
    removed = client.delete(f"/api/v1/me/authenticators/{made.authenticator_id}",
                            headers=made.account.auth)
    assert removed.status_code == 403
    assert client.post("/api/v1/reauth/challenge", json={"method": "sms"},
                       headers=made.account.auth).status_code == 202
    ok = client.post("/api/v1/reauth", json={"method": "sms", "code": last_sms_code(gateway)},
                     headers=made.account.auth)
    assert ok.status_code == 200, ok.text
    assert client.delete(f"/api/v1/me/authenticators/{made.authenticator_id}",
                         headers=made.account.auth).status_code == 204


def test_methods_list_sms_and_a_code_for_another_sign_in_is_refused(
        client: TestClient, gateway: OutboxSms, sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    login = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": made.account.password})
    assert login.json()["methods"] == ["sms", "recovery_code"]
    first, second = login.json()["mfa_token"], start_login(client, made.account)
    send_code(client, first)
    code = last_sms_code(gateway)
    assert verify(client, second, code, method="sms").status_code == 401  # bound to `first`
    assert verify(client, first, code, method="sms").status_code == 200


def test_adding_a_phone_needs_a_recent_sign_in_and_tells_the_owner(
        client: TestClient, gateway: OutboxSms, clock: FixedClock, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    clock.advance(minutes=11)
    stale = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                        headers=account.auth)
    assert stale.status_code == 403
    assert stale.json()["code"] == "reauth_required"
    assert not gateway.latest()
    assert client.post("/api/v1/reauth", json={"password": account.password},
                       headers=account.auth).status_code == 200
    add_phone(client, gateway, account)
    kinds = [sent.message.kind for sent in outbox.latest() if sent.message.to == account.email]
    assert "mfa_enabled" in kinds


def test_a_reauth_code_works_once(client: TestClient, gateway: OutboxSms,
                                  sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()
    client.post("/api/v1/reauth/challenge", json={"method": "sms"}, headers=made.account.auth)
    code = last_sms_code(gateway)
    body = {"method": "sms", "code": code}
    assert client.post("/api/v1/reauth", json=body, headers=made.account.auth).status_code == 200
    assert client.post("/api/v1/reauth", json=body, headers=made.account.auth).status_code == 401
