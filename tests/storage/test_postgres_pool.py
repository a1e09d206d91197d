"""PostgreSQL connections: no pre-ping, a dropped one replaced at checkout, fail fast (#17)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.db import Database
from secondlock.storage.postgres import postgres_engine
from secondlock.storage.session_lookup import SessionLookup

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
def engine(pg_url: str) -> Iterator[Engine]:
    built = postgres_engine(pg_url, echo=False)
    yield built
    built.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pg_url: str, pid: int) -> None:
    other = postgres_engine(pg_url, echo=False, autocommit=True)
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        other.dispose()


def test_a_transaction_sends_no_ping_before_its_first_statement(engine: Engine) -> None:
    # pre-ping would run `;` on the driver's cursor (invisible to SQLAlchemy's events) on
    # every checkout; the pool is built without it.
    assert engine.pool._pre_ping is False


def test_a_connection_the_server_dropped_is_replaced_before_use(engine: Engine,
                                                                pg_url: str) -> None:
    first = _backend_pid(engine)
    _terminate(pg_url, first)
    time.sleep(0.2)  # the server's goodbye reaches the idle socket
    second = _backend_pid(engine)  # no error: the pool noticed and connected anew
    assert second != first


def test_the_session_lookup_survives_a_dropped_connection(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        lookup = SessionLookup(db.autocommit_engine)
        assert lookup(b"no such token hash") is None
        _terminate(pg_url, _backend_pid(db.autocommit_engine))
        assert lookup(b"no such token hash") is None
    finally:
        db.dispose()


def test_an_unreachable_database_fails_fast_as_unavailable() -> None:
    db = Database(UNREACHABLE)
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnavailableError), db.read() as s:
            s.execute(text("SELECT 1"))
        with pytest.raises(DatabaseUnavailableError), db.write() as s:
            s.execute(text("SELECT 1"))
        with pytest.raises(DatabaseUnavailableError):
            SessionLookup(db.autocommit_engine)(b"token hash")
        assert not db.ping()
    finally:
        db.dispose()
    assert time.monotonic() - started < 5
