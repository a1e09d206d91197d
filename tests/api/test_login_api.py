"""POST /login, /logout, sessions: the contract, throttling and timeouts."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import ActivityEvent
from secondlock.storage.orm import Session as SessionRow
from tests.conftest import PASSWORD, MadeAccount

LOGIN = "/api/v1/login"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")


def login(client: TestClient, email: str, password: str = PASSWORD, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, json={"email": email, "password": password}, headers=headers)


def test_login_answers_authenticated_with_a_token(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    response = login(client, account.email.upper())
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "authenticated"
    assert len(body["token"]) >= 22  # >= 128 bits, url-safe base64
    assert body["token"] != account.token  # every sign-in gets a new session


def test_unknown_email_and_wrong_password_get_the_same_answer(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    wrong = login(client, account.email, "wrong password, nice try")
    unknown = login(client, "nobody@example.com", "wrong password, nice try")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.content == unknown.content
    # Every answer has its own X-Request-ID; everything else is the same.
    assert {k: v for k, v in wrong.headers.items() if k != "x-request-id"} \
        == {k: v for k, v in unknown.headers.items() if k != "x-request-id"}
    assert wrong.json()["code"] == "invalid_credentials"


@pytest.mark.real_password_hashing
def test_unknown_email_takes_about_as_long_as_a_wrong_password(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()

    def timed(email: str) -> float:
        start = time.perf_counter()
        status = login(client, email, "wrong password, nice try").status_code
        assert status == 401  # five tries stay below the account's lock
        return time.perf_counter() - start

    # Interleaved, and the fastest of several runs: the least disturbed by other load.
    pairs = [(timed(account.email), timed(f"ghost{i}@example.com")) for i in range(5)]
    known = min(k for k, _ in pairs)
    unknown = min(u for _, u in pairs)
    # Both verify an argon2id hash (a dummy one for the unknown email). Without the dummy
    # the unknown email would answer in a few milliseconds, a tenth of the time.
    assert unknown > 0.6 * known
    assert known > 0.6 * unknown


def test_too_many_failures_lock_the_account_with_retry_after(
        client: TestClient, account_factory: Callable[..., MadeAccount],
        clock: FixedClock) -> None:
    account = account_factory()
    statuses = [login(client, account.email, "not my password at all").status_code
                for _ in range(6)]
    assert statuses == [401] * 6
    locked = login(client, account.email)  # even the right password waits
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) == 30
    clock.advance(seconds=31)
    assert login(client, account.email, "still not it").status_code == 401
    again = login(client, account.email)
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) == 60  # the back-off doubles
    clock.advance(seconds=61)
    assert login(client, account.email).status_code == 200


def test_lock_looks_the_same_for_an_unknown_email(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    for _ in range(6):
        login(client, account.email, "nope nope nope")
        login(client, "ghost@example.com", "nope nope nope")
    known = login(client, account.email)
    unknown = login(client, "ghost@example.com")
    assert known.status_code == unknown.status_code == 429
    assert known.content == unknown.content


def test_success_resets_only_that_accounts_counter(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    victim = account_factory()
    attacker = account_factory()
    for _ in range(6):
        login(client, victim.email, "guessing the password")
        assert login(client, attacker.email).status_code == 200
    assert login(client, victim.email).status_code == 429


def test_failures_from_one_ip_across_many_accounts_are_throttled(client: TestClient) -> None:
    statuses = [login(client, f"spray{i}@example.com", "Summer2026!").status_code
                for i in range(32)]
    # 30 failures are free, the 31st locks the IP for a minute.
    assert statuses[:31] == [401] * 31
    assert statuses[31] == 429


def test_spoofed_forwarded_for_does_not_change_the_ip_key(client: TestClient) -> None:
    for i in range(31):
        login(client, f"spray{i}@example.com", "Winter2026!",
              **{"X-Forwarded-For": f"198.51.100.{i}"})
    blocked = login(client, "another@example.com", "Winter2026!",
                    **{"X-Forwarded-For": "203.0.113.77"})
    assert blocked.status_code == 429


def test_every_attempt_is_recorded(client: TestClient, database: Database,
                                   account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    login(client, account.email, "wrong wrong wrong", **{"User-Agent": "Probe/1.0"})
    login(client, "nobody@example.com", "wrong wrong wrong")
    with database.read() as s:
        events = list(s.scalars(select(ActivityEvent).where(ActivityEvent.event == "login")
                                .order_by(ActivityEvent.id)))
    assert [(e.success, e.reason) for e in events] == [
        (True, None), (False, "bad_password"), (False, "unknown_account")]
    assert events[1].account_id == account.id
    assert events[1].user_agent == "Probe/1.0"
    assert events[2].account_id is None
    assert all(e.ip for e in events)


def test_logout_ends_the_token_at_once(client: TestClient,
                                       account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    assert client.post("/api/v1/logout", headers=account.auth).status_code == 204
    response = client.get("/api/v1/me", headers=account.auth)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_idle_timeout_ends_the_session(client: TestClient, clock: FixedClock,
                                       account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    clock.advance(minutes=29)
    assert client.get("/api/v1/me", headers=account.auth).status_code == 200
    clock.advance(minutes=29)  # activity moved the idle window
    assert client.get("/api/v1/me", headers=account.auth).status_code == 200
    clock.advance(minutes=31)
    assert client.get("/api/v1/me", headers=account.auth).status_code == 401


def test_absolute_timeout_ends_an_active_session(
        client: TestClient, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    for _ in range(12 * 60 // 5 - 1):
        clock.advance(minutes=5)
        assert client.get("/api/v1/me", headers=account.auth).status_code == 200
    clock.advance(minutes=6)
    assert client.get("/api/v1/me", headers=account.auth).status_code == 401


def test_only_the_token_hash_is_stored(client: TestClient, database: Database,
                                       account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    with database.read() as s:
        hashes = list(s.scalars(select(SessionRow.token_hash)))
    assert hashes
    assert all(account.token.encode() not in h for h in hashes)
    db_file = database.url.database
    if database.is_sqlite and db_file:
        with open(db_file, "rb") as handle:
            assert account.token.encode() not in handle.read()


def test_sessions_list_and_revoke(client: TestClient,
                                  account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    other = login(client, account.email, **{"User-Agent": IPHONE}).json()["token"]
    sessions = client.get("/api/v1/me/sessions", headers=account.auth).json()
    assert len(sessions) == 2
    assert sorted(s["current"] for s in sessions) == [False, True]
    assert set(sessions[0]) == {"id", "created_at", "last_seen_at", "ip", "device", "current",
                                "location"}
    phone = next(s for s in sessions if not s["current"])
    assert "iOS" in phone["device"]
    revoked = client.delete(f"/api/v1/me/sessions/{phone['id']}", headers=account.auth)
    assert revoked.status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {other}"}).status_code == 401


def test_cannot_revoke_another_accounts_session(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    alice, bob = account_factory(), account_factory()
    bob_session = client.get("/api/v1/me/sessions", headers=bob.auth).json()[0]["id"]
    response = client.delete(f"/api/v1/me/sessions/{bob_session}", headers=alice.auth)
    assert response.status_code == 404
    assert client.get("/api/v1/me", headers=bob.auth).status_code == 200


def test_rehash_on_login_when_parameters_change(
        client: TestClient, database: Database, settings_factory: Callable[..., Settings],
        account_factory: Callable[..., MadeAccount], clock: FixedClock,
        outbox: OutboxMailer) -> None:
    from secondlock.storage.orm import Account
    from secondlock.web.app import create_app

    account = account_factory()
    stronger = create_app(settings_factory(argon2_time_cost=3), clock=clock, mailer=outbox,
                          database=database)
    with TestClient(stronger) as c:
        assert login(c, account.email).status_code == 200
    with database.read() as s:
        stored = s.scalars(select(Account.password_hash).where(Account.id == account.id)).one()
    assert ",t=3," in stored


def test_parallel_guesses_cannot_slip_past_the_account_lock(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    import threading

    account = account_factory()
    barrier = threading.Barrier(16)
    statuses: list[int] = []

    def guess(i: int) -> None:
        barrier.wait()
        statuses.append(login(client, account.email, f"guess number {i} !!",
                              **{"X-Forwarded-For": f"198.51.100.{i}"}).status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Five free failures plus the one that locks: every attempt is counted before the
    # password is checked, so the other ten are refused without a check.
    assert statuses.count(401) == 6, statuses
    assert statuses.count(429) == 10


def test_refused_attempts_are_counted_on_the_lock_and_summarised_in_one_row(
        client: TestClient, database: Database, clock: FixedClock,
        account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    for _ in range(6):
        login(client, account.email, "not it, not it")
    statuses = [login(client, account.email, "still not it").status_code for _ in range(20)]
    assert statuses == [429] * 20

    def throttled_rows() -> list[ActivityEvent]:
        with database.read() as s:
            return list(s.scalars(select(ActivityEvent).where(
                ActivityEvent.reason == "throttled")))

    # A flood of refused attempts grows no table: they are counted on the lock row.
    assert throttled_rows() == []
    clock.advance(seconds=61)
    login(client, account.email, "still not it")  # the 30 s lock ran out: a real failure
    rows = throttled_rows()
    assert len(rows) == 1  # the 20 refused attempts, in one row on the account
    assert rows[0].account_id == account.id
    assert (rows[0].detail or "").startswith("refused=20;")
    assert login(client, account.email, "again").status_code == 429
    assert len(throttled_rows()) == 1
