"""Lost every factor: the recovery flow through the JSON API with a short delay and a fixed
clock (api-contract.md, "Lost every factor")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import start_login, verify
from tests.conftest import PASSWORD, MadeAccount, TotpAccount
from tests.recovery.helpers import (
    CANCEL,
    DELAY,
    NOT_ME,
    ask_link,
    complete,
    mails,
    start,
    status,
    token_of,
)


def test_the_whole_flow_removes_every_factor_after_the_wait(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    email = made.account.email
    token = ask_link(client, outbox, email)
    started = start(client, token, PASSWORD)
    assert started.status_code == 202, started.text
    body = started.json()
    assert body["status"] == "waiting"
    ready_at = datetime.fromisoformat(body["ready_at"])
    assert (ready_at - clock.now()).total_seconds() == DELAY
    assert body["known_device"] is True  # the test client signed in before
    notice = mails(outbox, "recovery_started", email)
    assert len(notice) == 1
    assert CANCEL.search(notice[0])
    assert NOT_ME.search(notice[0])

    early = complete(client, token, PASSWORD)
    assert early.status_code == 409
    assert early.json()["code"] == "recovery_waiting"
    assert datetime.fromisoformat(early.json()["ready_at"]) == ready_at
    clock.advance(seconds=DELAY - 1)
    assert complete(client, token, PASSWORD).json()["code"] == "recovery_waiting"
    clock.advance(seconds=1)
    assert status(client, token) == "ready"

    assert complete(client, token, "wrong password entirely").status_code == 401
    done = complete(client, token, PASSWORD)
    assert done.status_code == 200, done.text
    auth = {"Authorization": f"Bearer {done.json()['token']}"}
    me = client.get("/api/v1/me", headers=auth).json()
    assert me["mfa_enabled"] is False
    assert me["methods"] == []
    assert me["recovery_codes_remaining"] == 0
    assert client.get("/api/v1/me/authenticators", headers=auth).json() == []
    assert client.get("/api/v1/me", headers=made.account.auth).status_code == 401
    assert status(client, token) == "completed"
    assert mails(outbox, "recovery_completed", email)
    activity = client.get("/api/v1/me/activity", headers=auth).json()
    events = [e["event"] for e in activity]
    assert {"recovery_requested", "recovery_started", "recovery_completed"} <= set(events)
    described = {e["event"]: e["description"] for e in activity}
    assert "every second factor" in described["recovery_completed"]
    again = complete(client, token, PASSWORD)
    assert again.status_code == 410
    assert again.json()["code"] == "recovery_ended"
    # The password alone signs in now, and a new factor can be added at once.
    login = client.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert login.json()["status"] == "authenticated"
    added = client.post("/api/v1/me/authenticators/totp", json={}, headers=auth)
    assert added.status_code == 201, added.text


def test_unknown_emails_get_the_same_answer(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    known = client.post("/api/v1/recovery", json={"email": made.account.email})
    unknown = client.post("/api/v1/recovery", json={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert not mails(outbox, "recovery_link", "nobody@example.com")


def test_requests_are_throttled_per_address(
        client: TestClient, totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    codes = [client.post("/api/v1/recovery", json={"email": made.account.email}).status_code
             for _ in range(4)]
    assert codes == [202, 202, 202, 429]
    unknown = [client.post("/api/v1/recovery", json={"email": "ghost@example.com"})
               .status_code for _ in range(4)]
    assert unknown == codes


def test_the_link_is_single_use_and_bound_to_its_account(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount],
        account_factory: Callable[..., MadeAccount]) -> None:
    made = totp_factory()
    other = account_factory(password="another fine passphrase here")
    token = ask_link(client, outbox, made.account.email)
    # The other account's password does not go with this account's link.
    wrong = start(client, token, other.password)
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "invalid_credentials"
    assert start(client, token, PASSWORD).status_code == 202
    again = start(client, token, PASSWORD)
    assert again.status_code == 410
    assert again.json()["code"] == "recovery_link_expired"
    bogus = start(client, "not-a-token-we-issued", PASSWORD)
    assert bogus.status_code == 400
    assert bogus.json()["code"] == "invalid_token"


def test_the_link_expires_after_30_minutes(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    clock.advance(minutes=31)
    assert start(client, token, PASSWORD).json()["code"] == "recovery_link_expired"


def test_wrong_passwords_at_the_start_count_as_failed_sign_ins(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    answers = [start(client, token, f"wrong guess {i}").status_code for i in range(7)]
    assert answers[:6] == [401] * 6
    assert answers[6] == 429
    # The sign-in itself is locked as well: the same counter.
    login = client.post("/api/v1/login", json={"email": made.account.email,
                                               "password": PASSWORD})
    assert login.status_code == 429
    activity = client.get("/api/v1/me/activity", headers=made.account.auth).json()
    assert any(e["event"] == "login" and not e["success"] for e in activity)


def test_one_pending_recovery_per_account(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    first = ask_link(client, outbox, made.account.email)
    second = ask_link(client, outbox, made.account.email)
    assert start(client, first, PASSWORD).status_code == 202
    refused = start(client, second, PASSWORD)
    assert refused.status_code == 409
    assert refused.json()["code"] == "recovery_pending"


def test_a_sign_in_with_a_factor_during_the_wait_cancels_it(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    assert start(client, token, PASSWORD).status_code == 202
    signed_in = verify(client, start_login(client, made.account),
                       code_at(made.secret, clock.now()))
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["recovery_cancelled"] is True
    assert status(client, token) == "cancelled"
    assert mails(outbox, "recovery_cancelled", made.account.email)
    clock.advance(seconds=DELAY + 1)
    ended = complete(client, token, PASSWORD)
    assert ended.status_code == 410
    assert ended.json()["code"] == "recovery_ended"
    start_login(client, made.account)  # the factor is still asked: nothing was removed


def test_the_cancel_link_of_a_notice_stops_it_once(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    start(client, token, PASSWORD)
    match = CANCEL.search(mails(outbox, "recovery_started", made.account.email)[0])
    assert match
    cancel = token_of(match.group(0))
    assert client.post("/api/v1/recovery/cancel", json={"token": cancel}).status_code == 204
    assert status(client, token) == "cancelled"
    assert client.post("/api/v1/recovery/cancel", json={"token": cancel}).status_code == 204
    assert len(mails(outbox, "recovery_cancelled", made.account.email)) == 1
    unknown = client.post("/api/v1/recovery/cancel", json={"token": "made-up"})
    assert unknown.status_code == 400


def test_this_wasnt_me_from_the_notice_cancels_it_and_secures_the_account(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    start(client, token, PASSWORD)
    match = NOT_ME.search(mails(outbox, "recovery_started", made.account.email)[0])
    assert match
    answer = client.post("/api/v1/not-me", json={"token": token_of(match.group(0))})
    assert answer.status_code == 204
    assert status(client, token) == "cancelled"
    assert client.get("/api/v1/me", headers=made.account.auth).status_code == 401
    secured = mails(outbox, "account_secured", made.account.email)
    assert secured
    assert "recovery" in secured[-1]


def test_an_account_without_a_factor_has_nothing_to_recover(
        client: TestClient, outbox: OutboxMailer,
        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    token = ask_link(client, outbox, made.email)
    assert start(client, token, PASSWORD).status_code == 409
