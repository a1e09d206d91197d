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
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


class WriterQueue:
    """A process-wide, first-come-first-served turn for each write transaction on one SQLite
    database.

    Taken by ``Database.write()`` before the transaction checks out a connection, so a
    process never holds more than one write connection and the pool never opens (and
    PRAGMA-configures) extra ones under load. The turn passes to the writer that has waited
    longest (a plain lock wakes whichever thread the scheduler picks, which stretches the
    tail). Re-entrant for the thread holding it: a nested write() gets past the queue and
    meets SQLite's own busy timeout, as it did before. Waiting is bounded by ``timeout``
    seconds, after which the writer fails as SQLite itself would: "database is locked".
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._mutex = threading.Lock()
        self._waiting: deque[tuple[int, threading.Lock]] = deque()
        self._owner: int | None = None
        self._depth = 0

    @property
    def busy(self) -> bool:
        return self._owner is not None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @contextmanager
    def turn(self) -> Iterator[None]:
        """Wait for this process's turn to write; the turn ends with the block."""
        if not self._acquire():
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked"))
        try:
            yield
        finally:
            self._release()

    def _acquire(self) -> bool:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return True
            if self._owner is None:
                self._owner, self._depth = me, 1
                return True
            wake = threading.Lock()
            wake.acquire()
            self._waiting.append((me, wake))
        if wake.acquire(timeout=self.timeout):
            return True  # _release handed the turn to us
        with self._mutex:
            if (me, wake) in self._waiting:
                self._waiting.remove((me, wake))
                return False
        return True  # handed over between the timeout and the mutex

    def _release(self) -> None:
        with self._mutex:
            self._depth -= 1
            if self._depth:
                return
            if self._waiting:
                self._owner, wake = self._waiting.popleft()
                self._depth = 1
                wake.release()
            else:
                self._owner = None
