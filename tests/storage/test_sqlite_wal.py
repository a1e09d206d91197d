"""A new Database puts its SQLite file in WAL mode at once, before any pooled connection:
two connections switching a rollback-mode file at the same moment can leave one "locked"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from secondlock.storage.db import Database


def journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        mode: str = connection.execute("PRAGMA journal_mode").fetchone()[0]
        return mode
    finally:
        connection.close()


def test_a_rollback_mode_file_is_in_wal_mode_once_the_database_is_made(tmp_path: Path) -> None:
    path = tmp_path / "made-by-a-plain-engine.db"
    plain = sqlite3.connect(path)
    plain.execute("CREATE TABLE t (x INTEGER)")
    plain.commit()
    plain.close()
    assert journal_mode(path) == "delete"
    db = Database(f"sqlite:///{path}")
    try:
        assert journal_mode(path) == "wal"  # before the app opened any connection of its own
    finally:
        db.dispose()


def test_a_reader_in_rollback_mode_no_longer_locks_the_apps_first_write_out(
        tmp_path: Path) -> None:
    path = tmp_path / "busy.db"
    setup = sqlite3.connect(path)
    setup.execute("CREATE TABLE t (x INTEGER)")
    setup.commit()
    setup.close()
    db = Database(f"sqlite:///{path}", sqlite_busy_timeout_ms=300)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT * FROM t").fetchall()  # a read transaction stays open
        # In rollback mode the switch to WAL would wait for it and fail "database is locked";
        # in WAL mode a writer and a reader go on together.
        with db.write() as s:
            s.connection().exec_driver_sql("INSERT INTO t VALUES (1)")
            s.commit()
    finally:
        reader.close()
        db.dispose()
