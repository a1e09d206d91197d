from __future__ import annotations

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi.testclient import TestClient

from tests.conftest import MadeAccount, TotpAccount, totp_factory

__all__ = ["TotpAccount", "start_login", "totp_factory", "verify"]


def start_login(client: TestClient, account: MadeAccount) -> str:
    response = client.post("/api/v1/login", json={"email": account.email,
                                                  "password": account.password})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "mfa_required"
    token: str = response.json()["mfa_token"]
    return token


def verify(client: TestClient, mfa_token: str, code: str, method: str = "totp",
           **headers: str) -> httpx.Response:
    return client.post("/api/v1/login/verify", json={"mfa_token": mfa_token, "method": method,
                                                     "code": code}, headers=headers)
