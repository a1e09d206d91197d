"""On SQLite an app code and a sign-in's lock check run right on the event loop (#17). They
must never wait there: a write held by another process on the file would stall every request
of the loop. Such a write stops before writing anything and the request runs in a worker
thread instead (storage.sqlite_writers). Served by a real uvicorn on loopback, as a shop
calls it."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.errors import WouldWaitError
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.uvicorn_thread import served

WRONG = "000000"


@pytest.fixture(autouse=True)
def sqlite_only(database: Database) -> None:
    if not database.is_sqlite:
        pytest.skip("the event loop writes only on SQLite")


@pytest.fixture
def base(settings_factory: Callable[..., Settings], clock: FixedClock, outbox: OutboxMailer,
         database: Database) -> Iterator[str]:
    app = create_app(settings_factory(), clock=clock, mailer=outbox, database=database)
    with served(app) as port:
        yield f"http://127.0.0.1:{port}"


def call(base: str, method: str, path: str, body: dict[str, Any] | None = None,
         token: str | None = None, timeout: float = 30) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json", "Origin": "http://localhost:8000"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body else None)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def sign_up(base: str, email: str) -> str:
    assert call(base, "POST", "/api/v1/accounts", {"email": email, "password": PASSWORD})[0] \
        == 201
    status, body = call(base, "POST", "/api/v1/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    token: str = body["token"]
    assert call(base, "GET", "/api/v1/me", token=token)[0] == 200  # last_seen_at moved now
    return token


@contextmanager
def another_process_writing(database: Database) -> Iterator[None]:
    """The file's write lock held by a connection of its own, as another worker's would be."""
    other = sqlite3.connect(str(database.url.database), isolation_level=None, timeout=10)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def while_another_process_writes(base: str, database: Database, token: str,
                                 request: Callable[[], tuple[int, dict[str, Any]]]
                                 ) -> tuple[int, dict[str, Any]]:
    """``request`` sent while the file is locked; meanwhile the loop must answer session
    checks at once (a loop stuck in SQLite's busy handler would not, for seconds)."""
    done: list[tuple[int, dict[str, Any]]] = []
    with another_process_writing(database):
        thread = threading.Thread(target=lambda: done.append(request()))
        thread.start()
        time.sleep(0.3)  # the request is in, waiting for the file
        for _ in range(3):
            assert call(base, "GET", "/api/v1/me", token=token, timeout=3)[0] == 200
        assert thread.is_alive()
    thread.join(timeout=30)
    return done[0]


def test_a_sign_in_waits_for_another_process_in_a_thread_not_on_the_loop(
        base: str, database: Database) -> None:
    token = sign_up(base, "waiting@example.com")
    status, body = while_another_process_writes(base, database, token, lambda: call(
        base, "POST", "/api/v1/login", {"email": "waiting@example.com", "password": "nope"}))
    assert status == 401, body


def test_a_wrong_code_waits_for_another_process_in_a_thread_not_on_the_loop(
        base: str, database: Database, clock: FixedClock) -> None:
    token = sign_up(base, "coded@example.com")
    status, started = call(base, "POST", "/api/v1/me/authenticators/totp",
                           {"name": "Phone"}, token=token)
    assert status == 201, started
    status, body = call(base, "POST", f"/api/v1/me/authenticators/{started['id']}/confirm",
                        {"code": code_at(started["secret"], clock.now())}, token=token)
    assert status == 200, body
    status, body = call(base, "POST", "/api/v1/login",
                        {"email": "coded@example.com", "password": PASSWORD})
    assert status == 200, body
    mfa_token = body["mfa_token"]
    assert call(base, "GET", "/api/v1/me", token=token)[0] == 200
    status, body = while_another_process_writes(base, database, token, lambda: call(
        base, "POST", "/api/v1/login/verify",
        {"mfa_token": mfa_token, "method": "totp", "code": WRONG}))
    assert status == 401, body
    assert body["code"] == "invalid_code"


def test_a_write_that_would_wait_stops_before_writing_anything(base: str,
                                                              database: Database) -> None:
    sign_up(base, "first@example.com")  # the file is in WAL mode from the first write on
    with another_process_writing(database), database.not_waiting(), \
            pytest.raises(WouldWaitError), database.lean_write():
        raise AssertionError("began a write while another process held the file")
    # SQLite's busy handler is back for the connection: a write now simply succeeds.
    with database.lean_write() as tx:
        tx.commit()


def test_a_write_waits_for_this_process_turn_only_outside_the_loop(
        base: str, database: Database) -> None:
    with another_writer_of_this_process(database) as release:
        assert not database.writes_inline
        with database.not_waiting(), pytest.raises(WouldWaitError), database.write():
            raise AssertionError("took the turn of a write in progress")
        release()
    with database.not_waiting(), database.write() as session:
        session.commit()


def test_after_a_commit_the_same_block_waits_instead_of_stopping(base: str,
                                                                database: Database) -> None:
    """A retry in a thread would repeat what was committed, so the rest of the block waits."""
    with database.not_waiting():
        with database.lean_write() as tx:
            tx.commit()
        with another_writer_of_this_process(database) as release:
            threading.Timer(0.2, release).start()
            with database.lean_write() as tx:  # waits for the writer, no WouldWaitError
                tx.commit()


@contextmanager
def another_writer_of_this_process(database: Database) -> Iterator[Callable[[], None]]:
    """A write transaction of another thread, holding this process's turn until released
    (by the function handed out, or at the end of the block)."""
    assert database.writers is not None
    held, release = threading.Event(), threading.Event()

    def writer() -> None:
        with database.write():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=writer)
    thread.start()
    assert held.wait(10)
    try:
        yield release.set
    finally:
        release.set()
        thread.join()
