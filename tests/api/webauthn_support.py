"""Shared by the security-key API tests: an account with a key, and the calls of a sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MadeAccount
from tests.softkey import SoftKey

ORIGIN = "http://localhost:8000"
API = "/api/v1"


@dataclass
class KeyAccount:
    account: MadeAccount
    key: SoftKey
    key_id: str
    recovery_codes: list[str]


def add_key(client: TestClient, account: MadeAccount, key: SoftKey, *, name: str = "YubiKey",
            origin: str = ORIGIN) -> Any:
    options = client.post(f"{API}/me/authenticators/webauthn/options", json={"name": name},
                          headers=account.auth)
    assert options.status_code == 200, options.text
    return client.post(f"{API}/me/authenticators/webauthn",
                       json={"credential": key.create(options.json(), origin)},
                       headers=account.auth)


def make_key_factory(client: TestClient, account_factory: Callable[..., MadeAccount]
                     ) -> Callable[..., KeyAccount]:
    """Make accounts whose first (and only) second factor is a security key."""

    def make(key: SoftKey | None = None) -> KeyAccount:
        account = account_factory()
        key = key or SoftKey()
        added = add_key(client, account, key)
        assert added.status_code == 201, added.text
        body = added.json()
        return KeyAccount(account, key, body["id"], body["recovery_codes"])

    return make


def password_step(client: TestClient, account: MadeAccount) -> dict[str, Any]:
    response = client.post(f"{API}/login", json={"email": account.email,
                                                  "password": account.password})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def second_step_options(client: TestClient, mfa_token: str) -> dict[str, Any]:
    response = client.post(f"{API}/login/webauthn/options", json={"mfa_token": mfa_token})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def key_verify(client: TestClient, credential: dict[str, Any], mfa_token: str | None = None,
               **extra: Any) -> Any:
    body: dict[str, Any] = {"credential": credential, **extra}
    if mfa_token is not None:
        body["mfa_token"] = mfa_token
    return client.post(f"{API}/login/webauthn/verify", json=body)


def passwordless_options(client: TestClient) -> dict[str, Any]:
    response = client.post(f"{API}/login/webauthn/options", json={})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
