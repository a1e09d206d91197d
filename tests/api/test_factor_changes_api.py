"""Recent authentication, removing factors, renaming, and who may touch what."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import TotpAccount, start_login, verify
from tests.conftest import MadeAccount


def test_enrolling_needs_recent_auth_and_password_reauth_fixes_it(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    clock.advance(minutes=10, seconds=1)
    stale = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth)
    assert stale.status_code == 403
    assert stale.json()["code"] == "reauth_required"
    wrong = client.post("/api/v1/reauth", json={"password": "not the password, sorry"},
                        headers=account.auth)
    assert wrong.status_code == 401
    ok = client.post("/api/v1/reauth", json={"password": account.password}, headers=account.auth)
    assert ok.status_code == 200
    assert client.post("/api/v1/me/authenticators/totp", json={},
                       headers=account.auth).status_code == 201


def test_with_2fa_on_reauth_needs_a_second_factor(
        client: TestClient, clock: FixedClock, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = client.post("/api/v1/reauth", json={"password": made.account.password},
                           headers=made.account.auth)
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_required"
    code = code_at(made.secret, clock.now())
    assert client.post("/api/v1/reauth", json={"method": "totp", "code": code},
                       headers=made.account.auth).status_code == 200
    # The code used for reauth is spent like any other.
    assert verify(client, start_login(client, made.account), code).status_code == 401


def test_removing_the_last_factor_turns_2fa_off(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    clock.advance(minutes=11)
    path = f"/api/v1/me/authenticators/{made.authenticator_id}"
    assert client.delete(path, headers=made.account.auth).status_code == 403
    client.post("/api/v1/reauth", json={"method": "totp", "code": code_at(made.secret,
                                                                          clock.now())},
                headers=made.account.auth)
    assert client.delete(path, headers=made.account.auth).status_code == 204
    me = client.get("/api/v1/me", headers=made.account.auth).json()
    assert me["mfa_enabled"] is False
    assert me["recovery_codes_remaining"] == 0
    login = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": made.account.password}).json()
    assert login["status"] == "authenticated"
    assert any(m.message.kind == "mfa_disabled" for m in outbox.latest())


def test_second_app_keeps_2fa_on_when_one_is_removed(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    client.post("/api/v1/reauth", json={"method": "totp", "code": code_at(made.secret,
                                                                          clock.now())},
                headers=made.account.auth)
    second = client.post("/api/v1/me/authenticators/totp", json={"name": "Work Android"},
                         headers=made.account.auth).json()
    confirmed = client.post(f"/api/v1/me/authenticators/{second['id']}/confirm",
                            json={"code": code_at(second["secret"], clock.now())},
                            headers=made.account.auth)
    assert confirmed.json() == {"recovery_codes": []}
    assert any(m.message.kind == "authenticator_added" for m in outbox.latest())
    assert client.delete(f"/api/v1/me/authenticators/{made.authenticator_id}",
                         headers=made.account.auth).status_code == 204
    me = client.get("/api/v1/me", headers=made.account.auth).json()
    assert me["mfa_enabled"] is True
    clock.advance(seconds=30)
    assert verify(client, start_login(client, made.account),
                  code_at(second["secret"], clock.now())).status_code == 200
    assert verify(client, start_login(client, made.account),
                  code_at(made.secret, clock.now())).status_code == 401


def test_rename_and_list(client: TestClient, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    path = f"/api/v1/me/authenticators/{made.authenticator_id}"
    renamed = client.patch(path, json={"name": "  Old   iPhone "}, headers=made.account.auth)
    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Old iPhone"
    listed = client.get("/api/v1/me/authenticators", headers=made.account.auth).json()
    assert [(a["type"], a["name"], a["confirmed"]) for a in listed] == [
        ("totp", "Old iPhone", True)]
    assert set(listed[0]) == {"id", "type", "name", "created_at", "last_used_at", "confirmed"}


def test_rename_cannot_touch_the_secret(client: TestClient,
                                        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    response = client.patch(f"/api/v1/me/authenticators/{made.authenticator_id}",
                            json={"name": "x", "secret": "AAAA"}, headers=made.account.auth)
    assert response.status_code == 422


def test_another_accounts_authenticator_is_not_found(
        client: TestClient, totp_factory: Callable[..., TotpAccount]) -> None:
    alice, bob = totp_factory(), totp_factory()
    path = f"/api/v1/me/authenticators/{bob.authenticator_id}"
    assert client.delete(path, headers=alice.account.auth).status_code == 404
    assert client.patch(path, json={"name": "mine"}, headers=alice.account.auth
                        ).status_code == 404
    assert client.post(f"{path}/confirm", json={"code": "123456"},
                       headers=alice.account.auth).status_code == 404
    assert client.get("/api/v1/me", headers=bob.account.auth).json()["mfa_enabled"] is True
