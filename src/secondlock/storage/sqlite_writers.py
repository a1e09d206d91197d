"""One SQLite writer at a time per process, queued on a lock instead of in SQLite's busy handler.

SQLite allows one writer per database file. A second ``BEGIN IMMEDIATE`` does not wait in a
queue: SQLite's busy handler sleeps (1, 2, 5, 10 ... up to 100 ms at a time) and tries again,
so under 16 concurrent requests a writer could sleep for seconds while the file had long
been free (issue #17: wrong-code p99 of 2.1-2.3 s). Within one process the writers now
queue on a lock taken before the transaction starts and released after its COMMIT or
ROLLBACK has run, so the next writer starts the moment the file is free.

Several processes on one SQLite file (``secondlock serve --workers N``) still meet in SQLite's
busy handler, one process's writer against another's; docs/operations.md says what that costs
and why PostgreSQL is the database for more than one worker.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


class WriterQueue:
    """A process-wide lock around each write transaction on one SQLite database.

    Taken by ``Database.write()`` before the transaction checks out a connection, so a
    process never holds more than one write connection and the pool never opens (and
    PRAGMA-configures) extra ones under load. Re-entrant for the thread holding it: a nested
    write() gets past the lock and meets SQLite's own busy timeout, as it did before.
    Waiting is bounded by ``timeout`` seconds, after which the writer fails as SQLite itself
    would: "database is locked".
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.RLock()
        self._depth = 0

    @property
    def busy(self) -> bool:
        return self._depth > 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this process's turn to write; the turn ends with the block."""
        if not self._lock.acquire(timeout=self.timeout):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            self._lock.release()
