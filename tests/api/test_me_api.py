"""GET /api/v1/me: one statement for every account, and its methods and recovery codes
always what the factor tables say (issue #17)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text, update

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.passwords import PasswordHasher
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services.login import available_methods
from secondlock.storage.db import Database
from secondlock.storage.orm import WebAuthnCredential
from secondlock.storage.repositories import Accounts, RecoveryCodes
from secondlock.web.app import create_app
from tests.api.conftest import TotpAccount, start_login, verify
from tests.api.oob_helpers import PHONE, last_mail_code, last_sms_code, sms_outbox
from tests.api.staff_helpers import ADMIN, reason, staff_factory
from tests.api.webauthn_support import add_key
from tests.conftest import MadeAccount
from tests.softkey import SoftKey
from tests.statement_counter import counting

ME = "/api/v1/me"


@pytest.fixture(autouse=True)
def quiet_outbox(client: TestClient, app: FastAPI) -> None:
    """No background delivery: its statements would mix with the request's. The tests send
    what is due themselves (``deliver``)."""
    client.portal.call(app.state.dispatcher.stop)  # type: ignore[union-attr]


def deliver(app: FastAPI) -> None:
    app.state.dispatcher.deliver_now()


def confirm_with(client: TestClient, account: MadeAccount, factor_id: str, code: str) -> None:
    done = client.post(f"/api/v1/me/authenticators/{factor_id}/confirm", json={"code": code},
                       headers=account.auth)
    assert done.status_code == 200, done.text


def me_in_one_statement(client: TestClient, app: FastAPI, account: MadeAccount) -> Any:
    """GET /me, asserting that the database saw exactly one statement for it."""
    with counting(app.state.services.rt.db, app.state.services.sessions) as seen:
        answer = client.get(ME, headers=account.auth)
    assert answer.status_code == 200, answer.text
    assert len(seen) == 1, seen
    return answer.json()


def recomputed(app: FastAPI, account_id: str) -> tuple[bool, list[str], int]:
    """What the factor tables say, the slow way (the sign-in's own function)."""
    with app.state.services.rt.db.read() as s:
        account = Accounts(s).get(account_id)
        assert account is not None
        if account.mfa_enabled_at is None:
            return False, [], 0
        return True, list(available_methods(s, account_id)), RecoveryCodes(s).remaining(account_id)


def assert_summary_right(client: TestClient, app: FastAPI, account: MadeAccount) -> Any:
    body = me_in_one_statement(client, app, account)
    assert (body["mfa_enabled"], body["methods"], body["recovery_codes_remaining"]) \
        == recomputed(app, account.id)
    return body


def reauth_with_totp(client: TestClient, clock: FixedClock, account: MadeAccount,
                     secret: str) -> None:
    clock.advance(seconds=30)
    done = client.post("/api/v1/reauth", json={"method": "totp",
                                               "code": code_at(secret, clock.now())},
                       headers=account.auth)
    assert done.status_code == 200, done.text


def test_me_without_2fa_is_one_statement(
        client: TestClient, app: FastAPI, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    body = me_in_one_statement(client, app, account)
    assert body["mfa_enabled"] is False
    assert body["methods"] == []
    assert body["recovery_codes_remaining"] == 0


def test_me_with_2fa_is_one_statement_with_methods_and_codes_left(
        client: TestClient, app: FastAPI, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    body = me_in_one_statement(client, app, made.account)
    assert body["mfa_enabled"] is True
    assert body["methods"] == ["totp", "recovery_code"]
    assert body["recovery_codes_remaining"] == 10


def test_me_stays_one_statement_when_the_session_is_touched_or_expires(
        client: TestClient, app: FastAPI, clock: FixedClock,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    clock.advance(seconds=61)  # last_seen_at is moved: the lookup, then one UPDATE
    with counting(app.state.services.rt.db, app.state.services.sessions) as seen:
        assert client.get(ME, headers=made.account.auth).status_code == 200
    assert [s.split()[0].upper() for s in seen if not s.upper().startswith("BEGIN")] \
        == ["SELECT", "UPDATE"]
    clock.advance(days=2)
    assert client.get(ME, headers=made.account.auth).status_code == 401


def test_me_summary_follows_every_factor_change(
        client: TestClient, app: FastAPI, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount],
        account_factory: Callable[..., MadeAccount]) -> None:
    """Walk the changes a shopper and the staff make; after each one GET /me (one statement)
    answers what the factor tables say."""
    made = totp_factory()
    account = made.account
    assert assert_summary_right(client, app, account)["methods"] == ["totp", "recovery_code"]
    # A setup still pending counts for nothing.
    pending = client.post("/api/v1/me/authenticators/totp", json={}, headers=account.auth)
    assert pending.status_code == 201
    assert_summary_right(client, app, account)
    # A recovery code used to sign in: one fewer left (on the new session too).
    signed_in = verify(client, start_login(client, account), made.recovery_codes[0],
                       method="recovery_code")
    assert signed_in.status_code == 200, signed_in.text
    account = MadeAccount(account.id, account.email, account.password,
                          signed_in.json()["token"])
    assert assert_summary_right(client, app, account)["recovery_codes_remaining"] == 9
    # A new set of recovery codes.
    reauth_with_totp(client, clock, account, made.secret)
    assert client.post("/api/v1/me/recovery-codes", headers=account.auth).status_code == 201
    assert assert_summary_right(client, app, account)["recovery_codes_remaining"] == 10
    # A phone, an email address and a security key.
    gateway = sms_outbox(app)
    phone = client.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                        headers=account.auth)
    assert phone.status_code == 201, phone.text
    deliver(app)
    confirm_with(client, account, phone.json()["id"], last_sms_code(gateway))
    assert_summary_right(client, app, account)
    mailbox = client.post("/api/v1/me/authenticators/email", json={}, headers=account.auth)
    assert mailbox.status_code == 201, mailbox.text
    deliver(app)
    confirm_with(client, account, mailbox.json()["id"], last_mail_code(outbox, account.email))
    assert_summary_right(client, app, account)
    assert add_key(client, account, SoftKey()).status_code == 201
    assert assert_summary_right(client, app, account)["methods"] \
        == ["webauthn", "totp", "sms", "email", "recovery_code"]
    # A key flagged as possibly cloned is no method any more.
    with app.state.services.rt.db.write() as s:
        s.execute(update(WebAuthnCredential).where(WebAuthnCredential.account_id == account.id)
                  .values(flagged_at=clock.now()))
        s.commit()
    assert "webauthn" not in assert_summary_right(client, app, account)["methods"]
    # The app removed.
    reauth_with_totp(client, clock, account, made.secret)
    removed = client.delete(f"/api/v1/me/authenticators/{made.authenticator_id}",
                            headers=account.auth)
    assert removed.status_code == 204, removed.text
    assert "totp" not in assert_summary_right(client, app, account)["methods"]
    # Staff reset the second factor: 2FA off, nothing left.
    admin = staff_factory(app, account_factory)("admin")
    reset = client.post(f"{ADMIN}/accounts/{account.id}/reset-2fa", json=reason(),
                        headers=admin.auth)
    assert reset.status_code == 204, reset.text
    login = client.post("/api/v1/login", json={"email": account.email,
                                               "password": account.password})
    account = MadeAccount(account.id, account.email, account.password, login.json()["token"])
    body = assert_summary_right(client, app, account)
    assert (body["mfa_enabled"], body["methods"], body["recovery_codes_remaining"]) \
        == (False, [], 0)


def test_on_postgresql_a_dropped_lookup_connection_is_replaced(
        pg_url: str, settings_factory: Callable[..., Settings], clock: FixedClock,
        outbox: OutboxMailer, hasher: PasswordHasher) -> None:
    """The session lookup keeps its own async connections; when the server ends them (a
    restart, a failover), the next GET /me opens a new one instead of failing."""
    database = Database(pg_url)
    app = create_app(settings_factory(database_url=pg_url), clock=clock, mailer=outbox,
                     database=database, hasher=hasher)
    try:
        with TestClient(app, base_url="http://localhost:8000") as client:
            email, password = "kept@example.com", "a long and unusual passphrase 7"
            assert client.post("/api/v1/accounts", json={"email": email, "password": password}
                               ).status_code == 201
            token = client.post("/api/v1/login", json={"email": email, "password": password}
                                ).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            assert client.get(ME, headers=auth).status_code == 200
            # End the lookup's own connections only: the database is shared with other
            # test processes (pytest-xdist workers), whose connections must live on.
            lookup = app.state.services.sessions.lookup_async
            pids = [kept.get_server_pid() for kept in lookup._idle]
            assert pids
            with database.engine.connect() as conn:
                for pid in pids:
                    assert conn.execute(text("SELECT pg_terminate_backend(:pid)"),
                                        {"pid": pid}).scalar()
            again = client.get(ME, headers=auth)
            assert again.status_code == 200, again.text
            assert again.json()["email"] == email
    finally:
        database.dispose()
