"""Remembered devices (TD-1..TD-6): skip the code after the password, safely."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import CLI_REQUEST
from secondlock.core.tokens import hash_token
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.orm import TrustedDevice, TrustedDeviceToken
from tests.api.conftest import TotpAccount, start_login, verify
from tests.conftest import PASSWORD

LOGIN = "/api/v1/login"
DEVICES = "/api/v1/me/trusted-devices"


def remembered(client: TestClient, clock: FixedClock, made: TotpAccount) -> dict[str, Any]:
    """Sign in with a code and ``remember_device``; returns the answer."""
    mfa_token = start_login(client, made.account)
    response = client.post("/api/v1/login/verify", json={
        "mfa_token": mfa_token, "method": "totp", "remember_device": True,
        "code": code_at(made.secret, clock.now())})
    assert response.status_code == 200, response.text
    clock.advance(seconds=30)
    body: dict[str, Any] = response.json()
    assert body["device_token"]
    return body


def login(client: TestClient, email: str, device_token: str | None,
          password: str = PASSWORD) -> Any:
    body: dict[str, Any] = {"email": email, "password": password}
    if device_token is not None:
        body["device_token"] = device_token
    return client.post(LOGIN, json=body)


def test_a_remembered_device_skips_the_code_and_gets_a_new_token_each_time(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    first = remembered(client, clock, made)["device_token"]
    skipped = login(client, made.account.email, first)
    assert skipped.status_code == 200
    body = skipped.json()
    assert body["status"] == "authenticated"
    assert body["device_token"] not in (None, first)  # rotated on use
    again = login(client, made.account.email, body["device_token"])
    assert again.json()["status"] == "authenticated"


def test_the_token_is_stored_only_as_a_hash(client: TestClient, clock: FixedClock,
                                            database: Database,
                                            totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    assert len(token) >= 22  # >= 128 bits
    with database.read() as s:
        hashes = list(s.scalars(select(TrustedDeviceToken.token_hash)))
    assert hashes == [hash_token(token)]


def test_a_remembered_device_never_replaces_the_password(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    wrong = login(client, made.account.email, token, password="not the password at all")
    assert wrong.status_code == 401
    # The refused attempt did not use the token up either.
    assert login(client, made.account.email, token).json()["status"] == "authenticated"


def test_a_device_remembered_for_one_account_does_not_skip_for_another(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    ada, bob = totp_factory(), totp_factory()
    token = remembered(client, clock, ada)["device_token"]
    other = login(client, bob.account.email, token)
    assert other.json()["status"] == "mfa_required"
    assert other.json().get("device_token") is None
    assert login(client, ada.account.email, token).json()["status"] == "authenticated"


def test_a_replayed_old_token_forgets_the_device_and_warns_the_owner(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    stolen = remembered(client, clock, made)["device_token"]
    current = login(client, made.account.email, stolen).json()["device_token"]
    replay = login(client, made.account.email, stolen)  # the copy comes back
    assert replay.json()["status"] == "mfa_required"
    assert client.get(DEVICES, headers=made.account.auth).json() == []
    # The device is gone, so even the legitimate newest token now asks for a code.
    assert login(client, made.account.email, current).json()["status"] == "mfa_required"
    warned = [m.message for m in outbox.latest() if m.message.kind == "trusted_device_replayed"]
    assert len(warned) == 1
    assert warned[0].to == made.account.email
    assert stolen not in warned[0].text
    events = [e["event"] for e in client.get("/api/v1/me/activity",
                                             headers=made.account.auth).json()]
    assert "trusted_device_replayed" in events


def test_the_server_enforces_expiry_after_30_days(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    clock.advance(days=30, seconds=1)
    assert login(client, made.account.email, token).json()["status"] == "mfa_required"


def test_a_remembered_device_session_is_single_factor(
        client: TestClient, clock: FixedClock, database: Database,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    session = login(client, made.account.email, token).json()["token"]
    auth = {"Authorization": f"Bearer {session}"}
    with database.read() as s:
        amr = s.scalar(select(SessionRow.amr).where(SessionRow.token_hash == hash_token(session)))
    assert amr == "pwd"
    # Sensitive changes still need a factor, even a second after signing in (TD-1).
    regenerate = client.post("/api/v1/me/recovery-codes", headers=auth)
    assert regenerate.status_code == 403
    assert regenerate.json()["code"] == "reauth_required"
    assert client.post("/api/v1/reauth", json={"password": PASSWORD},
                       headers=auth).status_code == 403  # the password alone is not enough
    reauth = client.post("/api/v1/reauth", json={"method": "totp",
                                                 "code": code_at(made.secret, clock.now())},
                         headers=auth)
    assert reauth.status_code == 200, reauth.text
    assert client.post("/api/v1/me/recovery-codes", headers=auth).status_code == 201


def test_a_recovery_code_sign_in_forgets_devices_and_remembers_none(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    response = client.post("/api/v1/login/verify", json={
        "mfa_token": start_login(client, made.account), "method": "recovery_code",
        "code": made.recovery_codes[0], "remember_device": True})
    assert response.status_code == 200
    assert response.json()["device_token"] is None
    assert login(client, made.account.email, token).json()["status"] == "mfa_required"


def _add_second_app(client: TestClient, clock: FixedClock, made: TotpAccount) -> None:
    started = client.post("/api/v1/me/authenticators/totp", json={"name": "iPad"},
                          headers=made.account.auth).json()
    assert client.post(f"/api/v1/me/authenticators/{started['id']}/confirm",
                       json={"code": code_at(started["secret"], clock.now())},
                       headers=made.account.auth).status_code == 200


TRIGGERS: dict[str, Callable[[TestClient, FixedClock, TotpAccount], object]] = {
    "factor added": _add_second_app,
    "codes regenerated": lambda c, _, m: c.post("/api/v1/me/recovery-codes",
                                                headers=m.account.auth),
    "forget all": lambda c, _, m: c.delete(DEVICES, headers=m.account.auth),
}


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
def test_every_revocation_trigger_forgets_remembered_devices(
        trigger: str, client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = remembered(client, clock, made)["device_token"]
    TRIGGERS[trigger](client, clock, made)  # the totp_factory session is recent
    status = login(client, made.account.email, token).json()["status"]
    assert status == "mfa_required"


def test_removing_one_of_two_factors_forgets_remembered_devices(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    _add_second_app(client, clock, made)
    token = remembered(client, clock, made)["device_token"]
    assert client.delete(f"/api/v1/me/authenticators/{made.authenticator_id}",
                         headers=made.account.auth).status_code == 204
    assert login(client, made.account.email, token).json()["status"] == "mfa_required"


def test_admin_reset_and_sign_out_everywhere_forget_devices(
        client: TestClient, clock: FixedClock, app: Any,
        totp_factory: Callable[..., TotpAccount]) -> None:
    ada, bob = totp_factory(), totp_factory()
    ada_token = remembered(client, clock, ada)["device_token"]
    bob_token = remembered(client, clock, bob)["device_token"]
    services = app.state.services
    services.admin.reset_2fa(ada.account.email, reason="ticket 1", operator="op",
                             info=CLI_REQUEST)
    with services.rt.db.read() as s:
        owners = set(s.scalars(select(TrustedDevice.account_id)))
    assert owners == {bob.account.id}
    view = services.sessions.authenticate(bob.account.token)
    services.sessions.revoke_others(view, CLI_REQUEST)
    assert login(client, bob.account.email, bob_token).json()["status"] == "mfa_required"
    assert login(client, ada.account.email, ada_token).json()["status"] == "authenticated"


def test_devices_are_listed_and_forgotten_one_by_one(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    ada, mallory = totp_factory(), totp_factory()
    remembered(client, clock, ada)
    second = remembered(client, clock, ada)["device_token"]
    listed = client.get(DEVICES, headers=ada.account.auth).json()
    assert len(listed) == 2
    assert set(listed[0]) == {"id", "device", "ip", "created_at", "last_used_at", "expires_at",
                              "location"}
    assert all(second not in str(d) for d in listed)  # the token is never shown
    # Another account cannot forget Ada's device, and cannot tell it exists.
    theirs = client.delete(f"{DEVICES}/{listed[0]['id']}", headers=mallory.account.auth)
    assert theirs.status_code == 404
    assert client.delete(f"{DEVICES}/{listed[0]['id']}",
                         headers=ada.account.auth).status_code == 204
    assert len(client.get(DEVICES, headers=ada.account.auth).json()) == 1
    assert client.delete(f"{DEVICES}/not-a-uuid!", headers=ada.account.auth).status_code == 422


def test_remember_device_is_a_boolean_and_device_tokens_are_bounded(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    bad = client.post("/api/v1/login/verify", json={
        "mfa_token": start_login(client, made.account), "method": "totp",
        "code": "123456", "remember_device": "yes"})
    assert bad.status_code == 422
    huge = login(client, made.account.email, "x" * 300)
    assert huge.status_code == 422
    unknown = login(client, made.account.email, "not-a-known-token")
    assert unknown.json()["status"] == "mfa_required"
    assert verify(client, unknown.json()["mfa_token"],
                  code_at(made.secret, clock.now())).status_code == 200
