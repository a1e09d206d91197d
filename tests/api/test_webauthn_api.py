"""Adding security keys and passkeys over the API, with the software authenticator.

Pins WA-2 (origin), WA-4 (BS without BE), WA-6 (id size and uniqueness across accounts),
WA-10 (excludeCredentials, recent auth, mail) and the challenge's binding to its session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.api.webauthn_support import (
    API,
    ORIGIN,
    KeyAccount,
    add_key,
    make_key_factory,
)
from tests.conftest import MadeAccount
from tests.softkey import SoftKey


@pytest.fixture
def key_factory(client: TestClient, account_factory: Callable[..., MadeAccount]
                ) -> Callable[..., KeyAccount]:
    return make_key_factory(client, account_factory)


# Registration ------------------------------------------------------------------------------

def test_first_key_turns_two_factor_on_with_recovery_codes(
        client: TestClient, account_factory: Callable[..., MadeAccount],
        outbox: OutboxMailer) -> None:
    account = account_factory()
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={"name": "YubiKey"},
                          headers=account.auth).json()
    assert options["rp"]["id"] == "localhost"
    assert options["excludeCredentials"] == []
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert [p["alg"] for p in options["pubKeyCredParams"]] == [-8, -7, -257]
    assert options["user"]["name"] == account.email
    assert account.email.encode() not in __import__("base64").urlsafe_b64decode(
        options["user"]["id"] + "==")  # a random handle, never the email
    key = SoftKey()
    added = client.post(f"{API}/me/authenticators/webauthn",
                        json={"credential": key.create(options, ORIGIN)}, headers=account.auth)
    assert added.status_code == 201, added.text
    assert added.json()["name"] == "YubiKey"
    assert len(added.json()["recovery_codes"]) == 10
    me = client.get(f"{API}/me", headers=account.auth).json()  # this session goes on
    assert me["mfa_enabled"] is True
    assert me["methods"] == ["webauthn", "recovery_code"]
    assert any(m.message.kind == "mfa_enabled" for m in outbox.latest())
    listed = client.get(f"{API}/me/authenticators", headers=account.auth).json()
    assert [(a["type"], a["name"], a["confirmed"]) for a in listed] == [
        ("webauthn", "YubiKey", True)]


def test_second_key_is_excluded_from_nothing_but_the_first(
        client: TestClient, key_factory: Callable[..., KeyAccount],
        outbox: OutboxMailer) -> None:
    made = key_factory()
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={},
                          headers=made.account.auth).json()
    assert [c["id"] for c in options["excludeCredentials"]] == [made.key.id]
    laptop = SoftKey(backup_eligible=True, backup_state=True, transports=("internal",))
    added = client.post(f"{API}/me/authenticators/webauthn",
                        json={"credential": laptop.create(options, ORIGIN)},
                        headers=made.account.auth)
    assert added.status_code == 201, added.text
    assert added.json() == {"id": added.json()["id"], "name": "Passkey", "recovery_codes": []}
    assert any(m.message.kind == "authenticator_added" for m in outbox.latest())
    keys = client.get(f"{API}/me/authenticators/webauthn", headers=made.account.auth).json()
    assert [(k["name"], k["synced"], k["blocked"]) for k in keys] == [
        ("YubiKey", False, False), ("Passkey", True, False)]


def test_adding_a_key_needs_a_recent_sign_in(
        client: TestClient, account_factory: Callable[..., MadeAccount],
        clock: FixedClock) -> None:
    account = account_factory()
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={},
                          headers=account.auth).json()
    clock.advance(minutes=11)
    late = client.post(f"{API}/me/authenticators/webauthn",
                       json={"credential": SoftKey().create(options, ORIGIN)},
                       headers=account.auth)
    assert late.status_code == 403
    assert late.json()["code"] == "reauth_required"
    again = client.post(f"{API}/me/authenticators/webauthn/options", json={},
                        headers=account.auth)
    assert again.json()["code"] == "reauth_required"


def test_a_credential_id_belongs_to_one_account_only(
        client: TestClient, key_factory: Callable[..., KeyAccount],
        account_factory: Callable[..., MadeAccount]) -> None:
    alice = key_factory()
    mallory = account_factory()
    # The same credential id (with mallory's own key pair) must not be registered again.
    copy = SoftKey(credential_id=alice.key.credential_id)
    response = add_key(client, mallory, copy)
    assert response.status_code == 409
    assert response.json()["code"] == "credential_exists"
    assert client.get(f"{API}/me", headers=mallory.auth).json()["mfa_enabled"] is False


def test_an_oversized_credential_id_is_refused(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    too_big = add_key(client, account, SoftKey(credential_id=b"\x01" * 1024))
    assert too_big.status_code == 400
    assert too_big.json()["code"] == "invalid_registration"
    largest = add_key(client, account, SoftKey(credential_id=b"\x02" * 1023))
    assert largest.status_code == 201, largest.text


def test_registration_from_a_phishing_origin_is_refused(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    response = add_key(client, account, SoftKey(), origin="https://evil.example")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_registration"
    assert client.get(f"{API}/me/authenticators", headers=account.auth).json() == []


def test_registration_challenge_is_bound_to_its_session_and_used_once(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    second = client.post(f"{API}/login", json={"email": account.email,
                                               "password": account.password}).json()
    other_session = {"Authorization": f"Bearer {second['token']}"}
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={},
                          headers=account.auth).json()
    credential = SoftKey().create(options, ORIGIN)
    stolen = client.post(f"{API}/me/authenticators/webauthn", json={"credential": credential},
                         headers=other_session)
    assert stolen.status_code == 400
    # The attempt used the challenge up: the right session cannot use it any more either.
    late = client.post(f"{API}/me/authenticators/webauthn", json={"credential": credential},
                       headers=account.auth)
    assert late.status_code == 400


def test_backup_state_without_eligibility_is_refused_not_a_crash(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    response = add_key(client, account, SoftKey(backup_eligible=False, backup_state=True))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_registration"


@pytest.mark.parametrize("credential", [{}, {"response": {}}, {"rawId": "!!", "response": {}},
                                        {"rawId": "AA", "response": {"clientDataJSON": "e30"}}])
def test_malformed_credentials_get_a_problem_document(
        client: TestClient, account_factory: Callable[..., MadeAccount],
        credential: dict[str, Any]) -> None:
    account = account_factory()
    response = client.post(f"{API}/me/authenticators/webauthn", json={"credential": credential},
                           headers=account.auth)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
