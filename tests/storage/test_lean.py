"""Lean write transactions (#17): precompiled statements on the driver's connection, with a
Session's guarantees: all or nothing, signals only after the commit, 503 when the database
is gone, and the engine's statement listeners still see every statement."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, text

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.db import Database
from secondlock.storage.orm import Throttle
from secondlock.storage.repositories.throttles import Counters
from secondlock.storage.schema import metadata
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


@pytest.fixture
def on_sqlite(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'lean.db'}")
    metadata.create_all(db.engine)
    yield db
    db.dispose()


def _checkouts(database: Database) -> list[int]:
    seen: list[int] = []
    event.listen(database._write_engine, "checkout",
                 lambda *_: seen.append(threading.get_ident()))
    return seen


def _on_loop(database: Database, key: str, times: int) -> list[int | None]:
    async def writes() -> list[int | None]:
        tickets = []
        for _ in range(times):
            with database.lean_write() as tx:
                tickets.append(_ticket(Counters(tx), key))
                tx.commit()
        return tickets

    return asyncio.run(writes())


def test_writes_on_the_event_loop_keep_one_connection_instead_of_a_checkout_each(
        on_sqlite: Database) -> None:
    checkouts = _checkouts(on_sqlite)
    assert _on_loop(on_sqlite, "k", 5) == [1, 2, 3, 4, 5]
    assert checkouts == [threading.get_ident()]
    assert _failures(on_sqlite, "k") == 5


def test_writes_in_a_worker_thread_take_pooled_connections(on_sqlite: Database) -> None:
    checkouts = _checkouts(on_sqlite)
    for _ in range(3):
        with on_sqlite.lean_write() as tx:
            _ticket(Counters(tx), "k")
            tx.commit()
    assert len(checkouts) == 3


def test_a_kept_connection_is_never_left_inside_a_transaction(on_sqlite: Database) -> None:
    async def failing() -> None:
        with on_sqlite.lean_write() as tx:
            _ticket(Counters(tx), "k")
            raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError):
        asyncio.run(failing())
    assert _failures(on_sqlite, "k") is None  # rolled back, and the file is free to write
    with on_sqlite.lean_write() as tx:
        assert _ticket(Counters(tx), "k") == 1
        tx.commit()
    assert _on_loop(on_sqlite, "k", 1) == [2]


def test_a_kept_connection_that_broke_is_let_go_and_the_write_still_happens(
        on_sqlite: Database) -> None:
    assert _on_loop(on_sqlite, "k", 1) == [1]
    kept = on_sqlite._loop_writer.current
    assert kept is not None
    assert kept.dbapi_connection is not None
    kept.dbapi_connection.close()  # as if the connection had gone bad underneath
    assert _on_loop(on_sqlite, "k", 2) == [2, 3]
    assert on_sqlite._loop_writer.current is not None
    assert on_sqlite._loop_writer.current is not kept


def test_disposing_the_database_closes_the_kept_connection(on_sqlite: Database) -> None:
    _on_loop(on_sqlite, "k", 1)
    kept = on_sqlite._loop_writer.current
    assert kept is not None
    on_sqlite.dispose()
    assert on_sqlite._loop_writer.current is None
    assert kept.dbapi_connection is None
