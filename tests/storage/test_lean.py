"""Lean write transactions (#17): precompiled statements on the driver's connection, with a
Session's guarantees: all or nothing, signals only after the commit, 503 when the database
is gone, and the engine's statement listeners still see every statement."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, text

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.db import Database
from secondlock.storage.orm import Throttle
from secondlock.storage.repositories.throttles import Counters
from secondlock.storage.signals import Signal

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def _ticket(counters: Counters, key: str) -> int | None:
    return counters.take_ticket(key, NOW, every=10, provisional_until=NOW)


def _failures(database: Database, key: str) -> int | None:
    with database.read() as s:
        return s.scalar(select(Throttle.failures).where(Throttle.key == key))


def _listen(database: Database) -> list[Signal]:
    seen: list[Signal] = []
    database.signal_listeners.append(seen.extend)
    return seen


def test_a_committed_lean_write_is_kept_and_its_signals_are_handed_on(database: Database
                                                                     ) -> None:
    seen = _listen(database)
    with database.lean_write() as tx:
        for _ in range(10):  # the tenth ticket locks, provisionally: a "lock" signal
            _ticket(Counters(tx), "k")
        assert seen == []  # not before the commit
        tx.commit()
    assert _failures(database, "k") == 10
    assert seen == [("lock", {"kind": "k_"})]


def test_a_lean_write_left_without_commit_keeps_nothing(database: Database) -> None:
    seen = _listen(database)
    with database.lean_write() as tx:
        for _ in range(10):
            _ticket(Counters(tx), "k")
    assert _failures(database, "k") is None
    assert seen == []


def test_an_error_in_a_lean_write_rolls_it_back(database: Database) -> None:
    def failing() -> None:
        with database.lean_write() as tx:
            _ticket(Counters(tx), "k")
            raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError):
        failing()
    assert _failures(database, "k") is None
    with database.lean_write() as tx:  # the connection went back to the pool usable
        assert _ticket(Counters(tx), "k") == 1
        tx.commit()


def test_the_engines_statement_and_commit_listeners_see_a_lean_write(database: Database
                                                                    ) -> None:
    statements: list[str] = []
    commits: list[Any] = []
    engine = database._write_engine

    def on_execute(_conn: Any, _cursor: Any, sql: str, *_rest: Any) -> None:
        statements.append(sql)

    def on_commit(conn: Any) -> None:
        commits.append(conn)

    event.listen(engine, "before_cursor_execute", on_execute)
    event.listen(engine, "commit", on_commit)
    try:
        with database.lean_write() as tx:
            _ticket(Counters(tx), "k")
            tx.commit()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine, "commit", on_commit)
    assert any("INSERT INTO throttles" in sql for sql in statements)
    assert len(commits) == 1


def test_a_database_that_does_not_answer_gives_503() -> None:
    db = Database(UNREACHABLE)
    try:
        with pytest.raises(DatabaseUnavailableError), db.lean_write() as tx:
            tx.commit()
    finally:
        db.dispose()


def test_a_connection_lost_in_a_lean_write_gives_503_and_the_next_one_works(pg_url: str
                                                                           ) -> None:
    db = Database(pg_url)

    def losing_the_connection() -> None:
        with db.lean_write() as tx:
            pid = tx.exec_driver_sql("SELECT pg_backend_pid()", ()).scalar()
            with db.autocommit_engine.connect() as other:
                other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            time.sleep(0.2)
            _ticket(Counters(tx), "k")

    try:
        with pytest.raises(DatabaseUnavailableError):
            losing_the_connection()
        with db.lean_write() as tx:
            assert _ticket(Counters(tx), "k") == 1
            tx.commit()
    finally:
        db.dispose()
