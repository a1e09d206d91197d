"""A write transaction on the driver's connection, without SQLAlchemy's Session (#17).

A wrong second-factor code and a sign-in refused by a lock are what a guessing attack sends
over and over. Through a Session their few precompiled statements cost less than the Session
around them: beginning, handing out the connection for each statement, wrapping each result,
committing and closing took about two thirds of the transaction's CPU. A ``LeanTransaction``
takes a pooled connection from the same engine (same pool, same checkout checks, SQLite's
PRAGMAs), begins, runs ``Precompiled`` statements on driver cursors and commits. Signals noted
in it reach the database's listeners after its commit, as a Session's do, and the engine's
``before_cursor_execute``, ``after_cursor_execute``, ``commit`` and ``rollback`` listeners
(statement counters, tracing) see its statements too, with the transaction in place of a
``Connection`` (and no execution context); with no listener that costs one check.

Only precompiled statements run here; ``Database.lean_write()`` hands one out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.pool import PoolProxiedConnection


class LeanResult:
    """The few parts of SQLAlchemy's ``Result`` the precompiled statements' callers use."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)

    def all(self) -> Sequence[Any]:
        rows: Sequence[Any] = self._cursor.fetchall()
        return rows

    def first(self) -> Any:
        return self._cursor.fetchone()

    def scalar(self) -> Any:
        row = self._cursor.fetchone()
        return None if row is None else row[0]

    def scalar_one_or_none(self) -> Any:
        return self.scalar()


class LeanTransaction:
    """One write transaction on a pooled driver connection; the caller commits."""

    def __init__(self, connection: PoolProxiedConnection, engine: Engine, *,
                 begin: str | None) -> None:
        self.dialect = engine.dialect
        self._events = engine.dispatch
        #: Like ``Session.info``: ``storage.signals`` keeps the transaction's notes here.
        self.info: dict[Any, Any] = {}
        self.committed = False
        # The DB-API connection (a sync driver's own; a connection detached from the pool,
        # as ``storage.kept_connection`` keeps one, has no pool record to ask for it).
        driver = connection.dbapi_connection
        if driver is None:
            raise ValueError("the pooled connection is closed")
        self._driver: Any = driver
        if begin is not None:  # SQLite in autocommit mode: BEGIN IMMEDIATE; psycopg begins itself
            self.exec_driver_sql(begin, ())

    def connection(self) -> LeanTransaction:
        """Itself: what ``Precompiled.execute`` runs on (the shape of ``Session.connection``)."""
        return self

    def exec_driver_sql(self, statement: str, parameters: Any) -> LeanResult:
        cursor = self._driver.cursor()
        events = self._events
        if events.before_cursor_execute:
            for listener in events.before_cursor_execute:
                statement, parameters = listener(self, cursor, statement, parameters, None,
                                                 False)
        cursor.execute(statement, parameters)
        if events.after_cursor_execute:
            events.after_cursor_execute(self, cursor, statement, parameters, None, False)
        return LeanResult(cursor)

    def commit(self) -> None:
        if self._events.commit:
            self._events.commit(self)
        self._driver.commit()
        self.committed = True

    def rollback(self) -> None:
        if self._events.rollback:
            self._events.rollback(self)
        self._driver.rollback()
