"""Throttle rows under concurrent sign-ins on PostgreSQL: the lock check takes its rows in key
order whatever plan the server picks, so it never deadlocks with a failed sign-in that holds
the account counter and wants the in-flight mark (the deadlock answered 503)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from secondlock.storage.db import Database
from secondlock.storage.orm import Throttle
from secondlock.storage.repositories.throttles import Counters, Throttles

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
UNTIL = NOW + timedelta(minutes=5)
ACCOUNT = "login:acct:0123456789abcdef"
MARK = f"{ACCOUNT}:in-flight"
IP = "login:ip:198.51.100.0/24"


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    db = Database(pg_url)
    yield db
    db.dispose()


def _waiting_on_a_lock(db: Database, deadline_s: float = 10.0) -> None:
    """Return once another backend of this database waits for a row lock."""
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        with db.autocommit_engine.connect() as conn:
            if conn.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock'")).scalar_one():
                return
        time.sleep(0.02)
    raise AssertionError("the lock check never waited for the held account row")


def test_the_lock_check_takes_rows_in_key_order_even_on_a_sequential_scan(pg: Database
                                                                          ) -> None:
    with pg.write() as s:  # the mark first: a sequential scan meets it before the account
        s.add(Throttle(key=MARK, failures=0, last_failure_at=NOW, locked_until=UNTIL))
        s.flush()
        s.add(Throttle(key=ACCOUNT, failures=6, last_failure_at=NOW, locked_until=UNTIL))
        s.commit()
    outcome: dict[str, Any] = {}

    def check_locks() -> None:
        try:
            with pg.write() as s:
                s.execute(text("SET LOCAL enable_indexscan = off"))
                s.execute(text("SET LOCAL enable_bitmapscan = off"))
                outcome["locks"] = Counters(s).refuse_by_key([ACCOUNT, IP, MARK], NOW)
                s.commit()
        except Exception as exc:  # the outcome under test
            outcome["error"] = exc

    with pg.write() as failed:  # a failed sign-in: the real lock, then the mark cleared
        Throttles(failed).set_lock(ACCOUNT, UNTIL + timedelta(minutes=1), already_counted=True)
        checker = threading.Thread(target=check_locks)
        checker.start()
        _waiting_on_a_lock(pg)
        Throttles(failed).reset(MARK)
        failed.commit()
    checker.join(timeout=15)
    assert "error" not in outcome, outcome
    assert outcome["locks"] == {ACCOUNT: UNTIL + timedelta(minutes=1)}
