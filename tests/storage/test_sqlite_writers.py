"""SQLite writers of one process queue on a lock, never in SQLite's busy handler (#17)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.storage.db import Database

WRITERS = 16
TRANSACTIONS = 15


@pytest.fixture
def db(tmp_path: Path) -> Database:
    # No busy timeout at all: a writer that reached SQLite while another held the file
    # would fail at once with "database is locked" instead of sleeping.
    database = Database(f"sqlite:///{tmp_path / 'writers.db'}", sqlite_busy_timeout_ms=0)
    with database.write() as s:
        s.execute(text("CREATE TABLE tally (writer INTEGER, n INTEGER)"))
        s.commit()
    return database


def _count(db: Database) -> int:
    with db.read() as s:
        return int(s.execute(text("SELECT count(*) FROM tally")).scalar_one())


def test_sixteen_concurrent_writers_all_commit_without_a_busy_timeout(db: Database) -> None:
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        start.wait()
        for n in range(TRANSACTIONS):
            try:
                with db.write() as s:
                    s.execute(text("INSERT INTO tally VALUES (:w, :n)"), {"w": number, "n": n})
                    time.sleep(0.0005)  # hold the file a little, so the writers overlap
                    s.commit()
            except BaseException as exc:  # collected and asserted below
                failures.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _count(db) == WRITERS * TRANSACTIONS
    assert db.writers is not None
    assert not db.writers.busy


def test_a_rolled_back_write_frees_the_queue_for_the_next_writer(db: Database) -> None:
    def fail_half_way() -> None:
        with db.write() as s:
            s.execute(text("INSERT INTO tally VALUES (1, 1)"))
            raise RuntimeError("the service failed half-way")

    with pytest.raises(RuntimeError):
        fail_half_way()
    assert db.writers is not None
    assert not db.writers.busy
    with db.write() as s:
        s.execute(text("INSERT INTO tally VALUES (2, 2)"))
        s.commit()
    assert _count(db) == 1


def test_a_session_that_commits_and_writes_again_keeps_its_place(db: Database) -> None:
    with db.write() as s:
        s.execute(text("INSERT INTO tally VALUES (1, 1)"))
        s.commit()
        s.execute(text("INSERT INTO tally VALUES (1, 2)"))
        s.commit()
    assert _count(db) == 2
    assert db.writers is not None
    assert not db.writers.busy


def test_a_writer_waiting_longer_than_the_timeout_gets_database_is_locked(
        tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'slow.db'}", sqlite_queue_timeout_ms=50)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with db.write() as s:
            s.execute(text("CREATE TABLE t (x INTEGER)"))
            holding.set()
            release.wait(5)
            s.commit()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(5)
        with pytest.raises(DatabaseUnavailableError) as caught, db.write() as s:
            s.execute(text("SELECT 1"))
    finally:
        release.set()
        holder.join()
    assert "database is locked" in str(caught.value.__cause__)
    with db.write() as s:  # the holder's commit freed it
        s.execute(text("INSERT INTO t VALUES (1)"))
        s.commit()


def test_reads_do_not_wait_for_a_writer(db: Database) -> None:
    with db.write() as s:
        s.execute(text("INSERT INTO tally VALUES (1, 1)"))
        assert _count(db) == 0  # WAL: a reader sees the last commit while a write is open
        s.commit()
    assert _count(db) == 1


def test_writers_get_their_turn_in_the_order_they_asked(db: Database) -> None:
    assert db.writers is not None
    order: list[int] = []

    def writer(number: int) -> None:
        with db.write() as s:
            order.append(number)
            s.execute(text("INSERT INTO tally VALUES (:w, 0)"), {"w": number})
            s.commit()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(5)]
    with db.write():  # hold the turn while the others line up, one after another
        for number, thread in enumerate(threads):
            thread.start()
            while db.writers.waiting < number + 1:
                time.sleep(0.001)
    for thread in threads:
        thread.join()
    assert order == [0, 1, 2, 3, 4]
    assert not db.writers.busy
