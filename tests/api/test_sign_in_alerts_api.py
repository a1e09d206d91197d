"""The owner hears about a sign-in from a kind of device the account never used (AUD)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import TotpAccount
from tests.conftest import PASSWORD, MadeAccount

FIREFOX_LINUX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
FIREFOX_LINUX_NEWER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


def alerts(outbox: OutboxMailer, to: str) -> list[str]:
    return [s.message.text for s in outbox.latest()
            if s.message.to == to and s.message.kind == "new_device_sign_in"]


def sign_in(client: TestClient, email: str, agent: str) -> dict[str, str]:
    response = client.post("/api/v1/login", json={"email": email, "password": PASSWORD},
                           headers={"User-Agent": agent})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_a_new_kind_of_device_is_mailed_once_and_updates_are_not_news(
        client: TestClient, outbox: OutboxMailer) -> None:
    email = "ada@example.com"
    assert client.post("/api/v1/accounts", json={"email": email, "password": PASSWORD},
                       headers={"User-Agent": FIREFOX_LINUX}).status_code == 201
    sign_in(client, email, FIREFOX_LINUX)  # the first sign-in ever is not news
    sign_in(client, email, FIREFOX_LINUX)
    sign_in(client, email, FIREFOX_LINUX_NEWER)  # a browser update is the same device
    assert alerts(outbox, email) == []

    sign_in(client, email, SAFARI_IPHONE)
    [alert] = alerts(outbox, email)
    assert "Mobile Safari on iOS" in alert
    assert "This wasn't me: http://localhost:8000/not-me?token=" in alert
    sign_in(client, email, SAFARI_IPHONE)
    assert len(alerts(outbox, email)) == 1


def test_a_failed_sign_in_from_a_new_device_is_not_a_new_sign_in(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    client.post("/api/v1/login", json={"email": made.email, "password": "wrong password!"},
                headers={"User-Agent": SAFARI_IPHONE})
    assert alerts(outbox, made.email) == []


def test_a_two_factor_sign_in_alerts_only_after_the_second_step(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    mfa_token = sign_in(client, made.account.email, SAFARI_IPHONE)["mfa_token"]
    assert alerts(outbox, made.account.email) == []  # a password alone opens nothing yet
    done = client.post("/api/v1/login/verify", json={
        "mfa_token": mfa_token, "method": "totp", "code": code_at(made.secret, clock.now())},
        headers={"User-Agent": SAFARI_IPHONE})
    assert done.status_code == 200
    [alert] = alerts(outbox, made.account.email)
    assert "password and a second factor" in alert
