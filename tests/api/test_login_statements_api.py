"""What a wrong code and a refused request cost the database (#17), counted statement by
statement with SQLAlchemy's cursor events, and where the refused attempts end up instead of
one activity row each."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select

from secondlock.core.clock import FixedClock
from secondlock.storage.db import Database
from secondlock.storage.orm import ActivityEvent, Throttle
from secondlock.storage.orm_outbox import OutboxMessage
from tests.api.conftest import start_login, verify
from tests.conftest import MadeAccount, TotpAccount

WRONG_PASSWORD = "not my password at all"


@dataclass
class Statements:
    """The SQL statements and commits of the request's thread (the one that touched the
    throttles), leaving out the outbox dispatcher working beside it."""

    seen: list[tuple[int, str]] = field(default_factory=list)
    committed: list[int] = field(default_factory=list)

    def clear(self) -> None:
        self.seen.clear()
        self.committed.clear()

    @property
    def _threads(self) -> set[int]:
        return {thread for thread, sql in self.seen if "throttles" in sql}

    @property
    def sql(self) -> list[str]:
        threads = self._threads
        return [sql for thread, sql in self.seen if thread in threads]

    @property
    def commits(self) -> int:
        threads = self._threads
        return sum(1 for thread in self.committed if thread in threads)

    def starting(self, word: str) -> list[str]:
        return [s for s in self.sql if s.lstrip().upper().startswith(word.upper())]

    @property
    def data(self) -> list[str]:
        """The statements other than BEGIN (which SQLite needs as a statement of its own)."""
        return [s for s in self.sql if not s.lstrip().upper().startswith("BEGIN")]


@pytest.fixture
def statements(database: Database) -> Iterator[Statements]:
    seen = Statements()

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        seen.seen.append((threading.get_ident(), sql))

    def on_commit(_conn: Any) -> None:
        seen.committed.append(threading.get_ident())

    engines = {database.engine, database._write_engine, database.autocommit_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", on_execute)
        event.listen(engine, "commit", on_commit)
    yield seen
    for engine in engines:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)


def _count(database: Database, table: Any) -> int:
    with database.read() as s:
        return int(s.scalar(select(func.count()).select_from(table)) or 0)


def _lock_second_step(client: TestClient, made: TotpAccount) -> None:
    for _ in range(10):
        assert verify(client, start_login(client, made.account), "000000").status_code == 401


def test_a_wrong_code_is_one_short_write_transaction(
        client: TestClient, totp_factory: Callable[..., TotpAccount],
        statements: Statements) -> None:
    made = totp_factory()
    token = start_login(client, made.account)
    statements.clear()
    response = verify(client, token, "000000")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_code"
    assert statements.commits == 1
    assert len(statements.starting("BEGIN")) <= 1  # SQLite; PostgreSQL begins implicitly
    # Read the pending sign-in, lock and factors; the ticket; the pending sign-in's counter;
    # the activity row. No ORM entity loads, no second transaction.
    assert len(statements.data) == 4, statements.data
    assert len(statements.starting("SELECT")) == 1
    assert len(statements.starting("INSERT INTO activity")) == 1


def test_a_refused_second_step_is_the_lock_check_alone_and_writes_no_row(
        client: TestClient, totp_factory: Callable[..., TotpAccount], database: Database,
        statements: Statements) -> None:
    made = totp_factory()
    _lock_second_step(client, made)
    token = start_login(client, made.account)
    rows = _count(database, ActivityEvent)
    statements.clear()
    for _ in range(3):
        response = verify(client, token, "000000")
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0
    assert statements.starting("INSERT") == []
    assert len(statements.data) == 3 * 2, statements.data  # the read, the refused count
    assert _count(database, ActivityEvent) == rows
    with database.read() as s:
        refused = s.scalars(select(Throttle.refused).where(
            Throttle.key == f"mfa:acct:{made.account.id}")).one()
    assert refused == 3


def test_a_refused_sign_in_is_one_statement_and_writes_no_row(
        client: TestClient, account_factory: Callable[..., MadeAccount], database: Database,
        statements: Statements) -> None:
    account = account_factory()
    for _ in range(6):
        assert client.post("/api/v1/login", json={"email": account.email,
                                                  "password": WRONG_PASSWORD}).status_code == 401
    rows = _count(database, ActivityEvent)
    statements.clear()
    for _ in range(5):
        refused = client.post("/api/v1/login", json={"email": account.email,
                                                     "password": WRONG_PASSWORD})
        assert refused.status_code == 429
    assert statements.starting("INSERT") == []
    # The lock check counts the refused attempt on the lock row and answers: one UPDATE.
    assert len(statements.data) == 5, statements.data
    assert all(sql.lstrip().upper().startswith("UPDATE THROTTLES") for sql in statements.data)
    assert _count(database, ActivityEvent) == rows


def test_refused_sign_ins_become_one_activity_line_once_the_owner_is_back(
        client: TestClient, account_factory: Callable[..., MadeAccount],
        clock: FixedClock) -> None:
    account = account_factory()
    for _ in range(6):
        client.post("/api/v1/login", json={"email": account.email, "password": WRONG_PASSWORD})
    for _ in range(4):
        clock.advance(seconds=1)
        assert client.post("/api/v1/login", json={"email": account.email,
                                                  "password": WRONG_PASSWORD}).status_code == 429
    clock.advance(seconds=60)  # the 30-second lock is over
    assert client.post("/api/v1/login", json={"email": account.email,
                                              "password": account.password}).status_code == 200
    entries = client.get("/api/v1/me/activity", headers=account.auth).json()
    summaries = [e for e in entries if e["reason"] == "throttled"]
    assert len(summaries) == 1
    assert "and 3 more refused attempts until" in summaries[0]["description"]


def test_the_lock_notice_is_queued_in_the_transaction_of_the_lock(
        client: TestClient, totp_factory: Callable[..., TotpAccount], database: Database,
        statements: Statements) -> None:
    made = totp_factory()
    for _ in range(9):
        assert verify(client, start_login(client, made.account), "000000").status_code == 401
    token = start_login(client, made.account)
    queued = _count(database, OutboxMessage)
    statements.clear()
    assert verify(client, token, "000000").status_code == 401  # the 10th locks
    # One commit holds the lock and the notice: a crash after it cannot lose the mail.
    assert statements.commits == 1
    assert _count(database, OutboxMessage) > queued
    with database.read() as s:
        kinds = s.scalars(select(OutboxMessage.kind)).all()
    assert "lockout" in kinds
