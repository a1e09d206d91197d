"""Changing the password through the JSON API (PW-7, SES-8, TD-5), and the forced change."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi.testclient import TestClient
from sqlalchemy import update

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Account
from tests.api.conftest import TotpAccount, start_login
from tests.api.reset_helpers import NEW_PASSWORD
from tests.conftest import PASSWORD, MadeAccount

CHANGE = "/api/v1/me/password"


def change(client: TestClient, account: MadeAccount, new: str = NEW_PASSWORD,
           current: str | None = PASSWORD) -> httpx.Response:
    body = {"new_password": new} if current is None else \
        {"current_password": current, "new_password": new}
    return client.post(CHANGE, json=body, headers=account.auth)


def login(client: TestClient, email: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/login", json={"email": email, "password": password})


def force_change(database: Database, account_id: str) -> None:
    """What "this wasn't me" does to the account (the lead's feature sets the flag)."""
    with database.write() as s:
        s.execute(update(Account).where(Account.id == account_id)
                  .values(password_change_required=True))
        s.commit()


def test_changing_the_password_ends_other_sessions_and_keeps_this_one(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    other = login(client, made.email, PASSWORD).json()["token"]
    response = change(client, made)
    assert response.status_code == 204
    assert client.get("/api/v1/me", headers=made.auth).status_code == 200
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}) \
        .status_code == 401
    assert login(client, made.email, PASSWORD).status_code == 401
    assert login(client, made.email, NEW_PASSWORD).status_code == 200
    notices = [m.message for m in outbox.latest() if m.message.kind == "password_changed"]
    assert [n.to for n in notices] == [made.email]
    assert NEW_PASSWORD not in notices[0].text
    events = client.get("/api/v1/me/activity", headers=made.auth).json()
    assert any(e["event"] == "password_changed" and e["success"] for e in events)


def test_the_current_password_is_required_and_checked(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    wrong = change(client, made, current="not my password at all")
    assert wrong.status_code == 403
    assert wrong.json()["code"] == "invalid_current_password"
    missing = change(client, made, current=None)
    assert missing.status_code == 403
    assert missing.json()["code"] == "invalid_current_password"
    assert login(client, made.email, PASSWORD).status_code == 200


def test_a_change_needs_a_recent_sign_in(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    clock.advance(minutes=11)
    client.get("/api/v1/me", headers=made.auth)  # keep the session from idling out
    response = change(client, made)
    assert response.status_code == 403
    assert response.json()["code"] == "reauth_required"
    assert client.post("/api/v1/reauth", json={"password": PASSWORD},
                       headers=made.auth).status_code == 200
    assert change(client, made).status_code == 204


def test_the_new_password_follows_the_sign_up_rules(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    for weak, reason in (("short", "too_short"), ("1QAZ2wsx3edc4rfv", "blocklisted"),
                         (PASSWORD, "reused")):
        response = change(client, made, new=weak)
        assert response.status_code == 422, weak
        assert response.json()["code"] == "weak_password"
        assert response.json()["reason"] == reason


def test_a_change_forgets_remembered_devices_and_voids_reset_links(
        client: TestClient, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    remembered = client.post("/api/v1/login/verify", json={
        "mfa_token": start_login(client, made.account), "method": "totp",
        "remember_device": True, "code": code_at(made.secret, clock.now())}).json()
    clock.advance(seconds=30)
    session = MadeAccount(made.account.id, made.account.email, PASSWORD, remembered["token"])
    assert client.post("/api/v1/password-reset",
                       json={"email": made.account.email}).status_code == 202
    assert change(client, session).status_code == 204
    again = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": NEW_PASSWORD,
                                               "device_token": remembered["device_token"]})
    assert again.json()["status"] == "mfa_required"


def test_without_a_session_the_change_is_refused(client: TestClient) -> None:
    response = client.post(CHANGE, json={"current_password": PASSWORD,
                                         "new_password": NEW_PASSWORD})
    assert response.status_code == 401


def test_a_forced_change_is_shown_on_me_and_needs_no_current_password(
        client: TestClient, database: Database,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    assert client.get("/api/v1/me", headers=made.auth).json()[
        "password_change_required"] is False
    force_change(database, made.id)
    assert client.get("/api/v1/me", headers=made.auth).json()[
        "password_change_required"] is True
    assert change(client, made, current=None).status_code == 204
    assert client.get("/api/v1/me", headers=made.auth).json()[
        "password_change_required"] is False
    assert login(client, made.email, NEW_PASSWORD).status_code == 200


def test_a_forced_change_still_needs_a_recent_sign_in(
        client: TestClient, clock: FixedClock, database: Database,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    force_change(database, made.id)
    clock.advance(minutes=11)
    client.get("/api/v1/me", headers=made.auth)
    response = change(client, made, current=None)
    assert response.json()["code"] == "reauth_required"


def test_a_reset_clears_a_forced_change(
        client: TestClient, database: Database, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    from tests.api.reset_helpers import token_in, wait_for_reset_mail

    made = account_factory()
    force_change(database, made.id)
    client.post("/api/v1/password-reset", json={"email": made.email})
    _, token = token_in(wait_for_reset_mail(outbox, made.email))
    assert client.post("/api/v1/password-reset/complete",
                       json={"token": token, "new_password": NEW_PASSWORD}).status_code == 204
    signed_in = login(client, made.email, NEW_PASSWORD).json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {signed_in}"}).json()
    assert me["password_change_required"] is False
