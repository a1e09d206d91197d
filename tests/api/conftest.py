from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from tests.conftest import MadeAccount


@dataclass
class TotpAccount:
    account: MadeAccount
    authenticator_id: str
    secret: str
    recovery_codes: list[str]


@pytest.fixture
def totp_factory(client: TestClient, clock: FixedClock,
                 account_factory: Callable[..., MadeAccount]) -> Callable[..., TotpAccount]:
    """An account with an authenticator app confirmed (2FA on) and its recovery codes."""

    def make(email: str | None = None) -> TotpAccount:
        account = account_factory(email=email)
        started = client.post("/api/v1/me/authenticators/totp", json={"name": "iPhone"},
                              headers=account.auth)
        assert started.status_code == 201, started.text
        body = started.json()
        confirmed = client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                                json={"code": code_at(body["secret"], clock.now())},
                                headers=account.auth)
        assert confirmed.status_code == 200, confirmed.text
        clock.advance(seconds=30)  # the confirming code's step is used up
        return TotpAccount(account, body["id"], body["secret"],
                           confirmed.json()["recovery_codes"])

    return make


def start_login(client: TestClient, account: MadeAccount) -> str:
    response = client.post("/api/v1/login", json={"email": account.email,
                                                  "password": account.password})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "mfa_required"
    token: str = response.json()["mfa_token"]
    return token


def verify(client: TestClient, mfa_token: str, code: str, method: str = "totp",
           **headers: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/login/verify", json={"mfa_token": mfa_token, "method": method,
                                                     "code": code}, headers=headers)
