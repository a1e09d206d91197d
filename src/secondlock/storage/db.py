"""Engines and transactions.

SQLite: WAL journal, a busy timeout, foreign keys on, and write transactions opened with
``BEGIN IMMEDIATE`` so two writers queue up instead of failing when one upgrades a read lock;
within a process they queue on a lock first (``storage.sqlite_writers``), not in SQLite's
sleeping busy handler.
PostgreSQL: a pool without pre-ping that fails fast (``storage.postgres``); atomic rules use
conditional UPDATEs and ON CONFLICT.
Either way a database that does not answer raises ``DatabaseUnavailableError`` (503).
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.kept_connection import KeptConnection, on_event_loop
from secondlock.storage.lean import LeanTransaction
from secondlock.storage.postgres import postgres_engine
from secondlock.storage.signals import SignalListener, take
from secondlock.storage.sqlite_writers import WriterQueue

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 512


class Database:
    """Hands out read and write transactions; the services decide when to commit."""

    def __init__(self, url: str, *, echo: bool = False,
                 sqlite_busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
                 sqlite_queue_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        #: SQLite: this process's writers queue here, not in SQLite's busy handler.
        self.writers: WriterQueue | None = None
        if self.is_sqlite:
            if self.url.database and self.url.database != ":memory:":
                private_sqlite_file(self.url.database)
                wal_once(self.url.database, busy_ms=sqlite_busy_timeout_ms)
            self.writers = WriterQueue(sqlite_queue_timeout_ms / 1000)
            self.engine = _sqlite_engine(url, busy_ms=sqlite_busy_timeout_ms, echo=echo)
            self._write_engine = _sqlite_engine(url, busy_ms=sqlite_busy_timeout_ms, echo=echo,
                                                immediate=True)
            # pysqlite connections run in autocommit here: raw single statements need no BEGIN.
            self.autocommit_engine = self.engine
        else:
            self.engine = postgres_engine(url, echo=echo)
            self._write_engine = self.engine
            self.autocommit_engine = postgres_engine(url, echo=echo, autocommit=True)
        #: SQLite answers a keyed SELECT in microseconds: callers may run it on the event loop.
        #: A network database goes through a worker thread.
        self.reads_inline = self.is_sqlite
        #: SQLite: the connection the event loop's lean writes keep (``lean_write``).
        self._loop_writer = KeptConnection(self._write_engine)
        self._read = sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False, autoflush=False)
        #: Called with what a committed transaction noted (``storage.signals``): metrics.
        self.signal_listeners: list[SignalListener] = []
        for maker in (self._read, self._write):
            event.listen(maker, "after_commit", self._after_commit)
            event.listen(maker, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Session | LeanTransaction) -> None:
        signals = take(session)
        if signals:
            for listener in self.signal_listeners:
                try:
                    listener(signals)
                except Exception:  # an observer never breaks a committed change
                    logger.exception("signal listener failed")

    @staticmethod
    def _after_rollback(session: Session) -> None:
        take(session)

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A transaction for reading; rolled back at the end.

        Raises:
            DatabaseUnavailableError: the database did not answer.
        """
        with unavailable_as_503(), self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A write transaction. The caller commits; an exception rolls everything back.

        On SQLite the process's writers take turns (``WriterQueue``) before BEGIN IMMEDIATE.

        Raises:
            DatabaseUnavailableError: the database did not answer; nothing was committed.
        """
        with unavailable_as_503(), \
                self.writers.turn() if self.writers is not None else nullcontext(), \
                self._write() as session:
            try:
                yield session
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def lean_write(self) -> Iterator[LeanTransaction]:
        """A write transaction for precompiled statements only, without a Session
        (``storage.lean``): for the hot paths of a guessing attack. The caller commits; an
        exception or a block left without a commit rolls everything back. Signals noted in
        it reach the listeners after the commit.

        Raises:
            DatabaseUnavailableError: the database did not answer; nothing was committed.
        """
        with unavailable_as_503(), \
                self.writers.turn() if self.writers is not None else nullcontext():
            dbapi = self._write_engine.dialect.loaded_dbapi
            raw = None
            kept = False
            try:
                # The pool's own connect raises the driver's errors as they are.
                tx, raw, kept = self._begin_lean(dbapi)
                try:
                    yield tx
                finally:
                    if not tx.committed:
                        tx.rollback()
                        take(tx)
                if tx.committed:
                    self._after_commit(tx)
            except dbapi.Error as exc:
                if kept:  # whatever the driver said, the next write starts on a fresh one
                    self._loop_writer.drop()
                if not isinstance(exc, dbapi.OperationalError | dbapi.InterfaceError):
                    raise
                # As SQLAlchemy does for its own connections: a lost connection is dropped
                # and the pool's other connections are suspect too; the request answers 503.
                engine = self._write_engine
                if not kept and raw is not None and engine.dialect.is_disconnect(
                        exc, raw.dbapi_connection, None):
                    engine.pool._invalidate(raw, exc)
                logger.warning("database unavailable: %s", type(exc).__name__)
                raise DatabaseUnavailableError() from exc
            finally:
                if raw is not None and not kept:
                    raw.close()

    def _begin_lean(self, dbapi: Any) -> tuple[LeanTransaction, PoolProxiedConnection, bool]:
        """A begun lean transaction, its connection, and whether that is the one kept for
        the event loop. SQLite's writes on the event loop use that one: a checkout and
        checkin cost about as much as a refused sign-in's statements (#17). A kept
        connection that fails to begin for any reason but a busy file is let go, and the
        write goes on a pooled one."""
        begin = "BEGIN IMMEDIATE" if self.is_sqlite else None
        kept = self._loop_writer.for_this_thread() \
            if self.writers is not None and on_event_loop() else None
        if kept is not None:
            try:
                return LeanTransaction(kept, self._write_engine, begin=begin), kept, True
            except dbapi.OperationalError:
                raise
            except dbapi.Error:
                self._loop_writer.drop()
        raw = self._write_engine.raw_connection()
        try:
            return LeanTransaction(raw, self._write_engine, begin=begin), raw, False
        except BaseException:
            raw.close()
            raise

    @property
    def writes_inline(self) -> bool:
        """Whether a short write may run on the event loop now: SQLite, with no write of
        this process in progress (so its turn is free and a lean write takes microseconds).
        A network database, or a busy queue, goes through a worker thread."""
        return self.writers is not None and not self.writers.busy

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self._loop_writer.drop()
        for engine in {self.engine, self._write_engine, self.autocommit_engine}:
            engine.dispose()


@contextmanager
def unavailable_as_503() -> Iterator[None]:
    """Turn the driver's "cannot reach the database" into DatabaseUnavailableError.

    OperationalError covers a refused or timed-out connect, a server shutting down or
    starting up, a dropped connection and SQLite's "database is locked" after the busy
    timeout; TimeoutError is a pool with no free connection. Integrity and programming
    errors pass through: they are bugs or races the services handle.
    """
    try:
        yield
    except (OperationalError, InterfaceError, PoolTimeoutError) as exc:
        logger.warning("database unavailable: %s",
                       type(getattr(exc, "orig", None) or exc).__name__)
        raise DatabaseUnavailableError() from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            logger.warning("database connection lost: %s", type(exc.orig).__name__)
            raise DatabaseUnavailableError() from exc
        raise


def private_sqlite_file(database: str) -> None:
    """Make the SQLite file (and its ``-wal``/``-shm``) readable by the owner only.

    The file is created empty with mode 0600 before SQLite opens it: SQLite gives the WAL and
    shared-memory files the database file's mode. Files an older version left 0644 are
    tightened. A missing folder is created 0700.
    """
    path = Path(database)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            if stat.S_IMODE(name.stat().st_mode) & 0o077:
                os.chmod(name, 0o600)
        except FileNotFoundError:
            continue


def wal_once(database: str, *, busy_ms: int) -> None:
    """Put the file in WAL mode now, before this process opens its pools.

    Every new connection asks for WAL (``_sqlite_engine``), which is a no-op on a file
    already in WAL mode. The first switch, though, needs the file to itself: two connections
    opening at once on a file still in rollback mode (a database made by a plain engine, or a
    worker's first requests while its outbox starts) can leave one with "database is
    locked" after the whole busy timeout. Done here, once, nothing of this process competes.
    Another process switching at the same moment is the one left; its connections then find
    WAL, and so do ours (an error here is left to them).
    """
    import sqlite3

    with suppress(sqlite3.Error):
        connection = sqlite3.connect(database, timeout=busy_ms / 1000)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
        finally:
            connection.close()


def _sqlite_engine(url: str, *, busy_ms: int, echo: bool, immediate: bool = False) -> Engine:
    engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                         "timeout": busy_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own is deferred).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        # A small private page cache per connection (the default is 2 MB): a worker may
        # hold dozens of pooled connections, and the OS caches the file anyway.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)
    return engine
