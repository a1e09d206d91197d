"""Signing in and confirming it's you with security keys and passkeys over the API.

Driven by the software authenticator (tests/softkey). Pins WA-1 (single-use, expiring,
bound challenges), WA-2 (origin, crossOrigin), WA-3 (UP; UV for passwordless), WA-4 (BE
cannot change), WA-7 (renaming cannot touch the key), WA-8 (the key must be this account's;
the user handle), WA-9 (counter regression blocks the key), WA-11 (removal is immediate)
and the shared guessing cap.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.api.webauthn_support import (
    API,
    ORIGIN,
    KeyAccount,
    key_verify,
    make_key_factory,
    password_step,
    passwordless_options,
    second_step_options,
)
from tests.conftest import MadeAccount
from tests.softkey import SoftKey, b64


@pytest.fixture
def key_factory(client: TestClient, account_factory: Callable[..., MadeAccount]
                ) -> Callable[..., KeyAccount]:
    return make_key_factory(client, account_factory)


# Second step ------------------------------------------------------------------------------

def test_sign_in_with_the_key_after_the_password(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    assert login["status"] == "mfa_required"
    assert login["methods"] == ["webauthn", "recovery_code"]
    options = second_step_options(client, login["mfa_token"])
    assert [c["id"] for c in options["allowCredentials"]] == [made.key.id]
    assert options["rpId"] == "localhost"
    response = key_verify(client, made.key.get(options, ORIGIN, uv=False), login["mfa_token"],
                          remember_device=True)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "authenticated"
    assert body["device_token"]
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {body['token']}"}
                      ).status_code == 200
    # The pending sign-in is used up.
    again = client.post(f"{API}/login/webauthn/options", json={"mfa_token": login["mfa_token"]})
    assert again.status_code == 410


def test_an_assertion_from_a_phishing_origin_is_refused(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    options = second_step_options(client, login["mfa_token"])
    phished = key_verify(client, made.key.get(options, "https://evil.example"),
                         login["mfa_token"])
    assert phished.status_code == 401
    assert phished.json()["code"] == "invalid_assertion"
    framed = key_verify(client, made.key.get(second_step_options(client, login["mfa_token"]),
                                             ORIGIN, client_data={"crossOrigin": True}),
                        login["mfa_token"])
    assert framed.status_code == 401


def test_a_replayed_assertion_is_refused(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    credential = made.key.get(second_step_options(client, login["mfa_token"]), ORIGIN)
    assert key_verify(client, credential, login["mfa_token"]).status_code == 200
    other = password_step(client, made.account)
    replay = key_verify(client, credential, other["mfa_token"])
    assert replay.status_code == 401


def test_another_accounts_key_cannot_do_the_second_step(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    alice, bob = key_factory(), key_factory()
    login = password_step(client, alice.account)
    options = second_step_options(client, login["mfa_token"])
    response = key_verify(client, bob.key.get(options, ORIGIN), login["mfa_token"])
    assert response.status_code == 401
    assert "another account" in response.json()["detail"]


def test_user_presence_is_required(client: TestClient,
                                   key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    options = second_step_options(client, login["mfa_token"])
    response = key_verify(client, made.key.get(options, ORIGIN, up=False), login["mfa_token"])
    assert response.status_code == 401


def test_a_cloned_key_is_refused_blocked_and_the_owner_mailed(
        client: TestClient, key_factory: Callable[..., KeyAccount],
        outbox: OutboxMailer) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    first = made.key.get(second_step_options(client, login["mfa_token"]), ORIGIN)
    assert key_verify(client, first, login["mfa_token"]).status_code == 200  # counter 1
    made.key.sign_count = 0  # a copy of the key, still at the counter it was copied at
    login = password_step(client, made.account)
    clone = made.key.get(second_step_options(client, login["mfa_token"]), ORIGIN)  # 1 again
    response = key_verify(client, clone, login["mfa_token"])
    assert response.status_code == 401
    assert "copied" in response.json()["detail"]
    assert any(m.message.kind == "security_key_flagged" for m in outbox.latest())
    keys = client.get(f"{API}/me/authenticators/webauthn", headers=made.account.auth).json()
    assert keys[0]["blocked"] is True
    # Blocked for good: no more in methods, no options, and a higher counter does not help.
    login = password_step(client, made.account)
    assert login["methods"] == ["recovery_code"]
    assert client.post(f"{API}/login/webauthn/options",
                       json={"mfa_token": login["mfa_token"]}).status_code == 404
    made.key.sign_count = 50
    assert key_verify(client, made.key.get(passwordless_options(client), ORIGIN)
                      ).status_code == 401


def test_failed_assertions_count_towards_the_guessing_cap(
        client: TestClient, key_factory: Callable[..., KeyAccount],
        outbox: OutboxMailer) -> None:
    made = key_factory()
    login = password_step(client, made.account)
    for _ in range(10):
        options = second_step_options(client, login["mfa_token"])
        bad = made.key.get(options, "https://evil.example")
        assert key_verify(client, bad, login["mfa_token"]).status_code == 401
    options = second_step_options(client, login["mfa_token"])
    locked = key_verify(client, made.key.get(options, ORIGIN), login["mfa_token"])
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert any(m.message.kind == "lockout" for m in outbox.latest())


def test_a_challenge_expires_after_five_minutes(
        client: TestClient, key_factory: Callable[..., KeyAccount], clock: FixedClock) -> None:
    made = key_factory()
    options = passwordless_options(client)
    clock.advance(minutes=5, seconds=1)
    response = key_verify(client, made.key.get(options, ORIGIN))
    assert response.status_code == 401
    assert "too long" in response.json()["detail"]


def test_a_registration_challenge_cannot_sign_in(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={},
                          headers=made.account.auth).json()
    as_request = {"challenge": options["challenge"], "rpId": "localhost"}
    assert key_verify(client, made.key.get(as_request, ORIGIN)).status_code == 401


# Passwordless -----------------------------------------------------------------------------

def test_passwordless_sign_in_with_a_passkey(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory(SoftKey(backup_eligible=True, backup_state=True, counting=False))
    options = passwordless_options(client)
    assert options["allowCredentials"] == []
    assert options["userVerification"] == "required"
    for _ in range(2):  # a passkey that never counts (0 and 0) signs in again and again
        response = key_verify(client, made.key.get(passwordless_options(client), ORIGIN))
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        me = client.get(f"{API}/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["email"] == made.account.email


def test_passwordless_needs_user_verification(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    response = key_verify(client, made.key.get(passwordless_options(client), ORIGIN, uv=False))
    assert response.status_code == 401


def test_passwordless_needs_the_owners_user_handle(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    alice, bob = key_factory(), key_factory()
    missing = alice.key.get(passwordless_options(client), ORIGIN, user_handle=None)
    assert key_verify(client, missing).status_code == 401
    wrong = alice.key.get(passwordless_options(client), ORIGIN, user_handle=bob.key.user_handle)
    assert key_verify(client, wrong).status_code == 401
    unknown = SoftKey().get(passwordless_options(client), ORIGIN, user_handle=b64(b"x" * 32))
    assert key_verify(client, unknown).status_code == 401


# Re-authentication ------------------------------------------------------------------------

def test_confirm_it_is_you_with_the_key(
        client: TestClient, key_factory: Callable[..., KeyAccount], clock: FixedClock) -> None:
    made = key_factory()
    clock.advance(minutes=11)
    blocked = client.post(f"{API}/me/recovery-codes", headers=made.account.auth)
    assert blocked.json()["code"] == "reauth_required"
    options = client.post(f"{API}/reauth/webauthn/options", headers=made.account.auth).json()
    assert [c["id"] for c in options["allowCredentials"]] == [made.key.id]
    wrong = client.post(f"{API}/reauth/webauthn/verify", headers=made.account.auth,
                        json={"credential": made.key.get(options, "https://evil.example")})
    assert wrong.status_code == 401
    options = client.post(f"{API}/reauth/webauthn/options", headers=made.account.auth).json()
    done = client.post(f"{API}/reauth/webauthn/verify", headers=made.account.auth,
                       json={"credential": made.key.get(options, ORIGIN)})
    assert done.status_code == 200, done.text
    assert client.post(f"{API}/me/recovery-codes", headers=made.account.auth).status_code == 201


def test_a_removed_key_stops_working_at_once(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    options = passwordless_options(client)
    removed = client.delete(f"{API}/me/authenticators/{made.key_id}", headers=made.account.auth)
    assert removed.status_code == 204
    assert key_verify(client, made.key.get(options, ORIGIN)).status_code == 401


def test_the_backup_eligible_flag_cannot_change(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()  # registered as device-bound (BE = 0)
    made.key.backup_eligible = True
    response = key_verify(client, made.key.get(passwordless_options(client), ORIGIN))
    assert response.status_code == 401


def test_renaming_cannot_touch_the_public_key(
        client: TestClient, key_factory: Callable[..., KeyAccount]) -> None:
    made = key_factory()
    sneaky = client.patch(f"{API}/me/authenticators/{made.key_id}", headers=made.account.auth,
                          json={"name": "Mine", "public_key": b64(b"attacker key")})
    assert sneaky.status_code == 422
    renamed = client.patch(f"{API}/me/authenticators/{made.key_id}", headers=made.account.auth,
                           json={"name": "Mine"})
    assert renamed.status_code == 200
    response = key_verify(client, made.key.get(passwordless_options(client), ORIGIN))
    assert response.status_code == 200, response.text


def test_passwordless_starts_are_capped_per_ip(client: TestClient, clock: FixedClock) -> None:
    for _ in range(100):
        passwordless_options(client)
    capped = client.post(f"{API}/login/webauthn/options", json={})
    assert capped.status_code == 429
    assert capped.headers["Retry-After"] == "300"
    clock.advance(minutes=5, seconds=1)  # the window passes with the challenges
    passwordless_options(client)
