"""Failure counters; every increment is one atomic upsert, safe across processes."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from secondlock.storage.base import UTCDateTime
from secondlock.storage.orm import Throttle
from secondlock.storage.signals import note


@lru_cache(maxsize=16)
def _ticket_statement(dialect: str, every: int | None, lock_after: int | None,
                      windowed: bool) -> ReturningInsert[Any]:
    """The ticket upsert, built once per shape (building it costs more than running it)."""
    now = bindparam("now", type_=UTCDateTime())
    provisional = bindparam("provisional_until", type_=UTCDateTime())
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert_fn(Throttle).values(key=bindparam("key"), failures=1, last_failure_at=now,
                                      locked_until=None)
    counted: ColumnElement[int] = Throttle.failures + 1
    if windowed:
        window_start = bindparam("window_start", type_=UTCDateTime())
        counted = case((Throttle.last_failure_at < window_start, 1), else_=counted)
    hits_cap = (counted.self_group().op("%")(every) == 0) if every is not None \
        else counted > lock_after
    return stmt.on_conflict_do_update(
        index_elements=[Throttle.key],
        set_={
            "failures": counted,
            "last_failure_at": stmt.excluded.last_failure_at,
            "locked_until": case((hits_cap, provisional), else_=Throttle.locked_until),
        },
        where=Throttle.locked_until.is_(None) | (Throttle.locked_until <= now),
    ).returning(Throttle.failures)


def lock_kind(key: str) -> str:
    """``"mfa:acct:..."`` -> ``"mfa_account"``, ``"login:ip:..."`` -> ``"login_ip"``."""
    scope, _, rest = key.partition(":")
    who = rest.partition(":")[0]
    return f"{scope}_{'account' if who == 'acct' else who}"[:32]


class Throttles:
    """Failure counters; every increment is one atomic upsert, safe across processes."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, key: str) -> Throttle | None:
        return self.db.get(Throttle, key)

    def locks_by_key(self, keys: list[str]) -> dict[str, datetime]:
        """The lock of each of ``keys`` that has one, read in one statement."""
        rows = self.db.execute(select(Throttle.key, Throttle.locked_until).where(
            Throttle.key.in_(keys), Throttle.locked_until.is_not(None)))
        return {key: lock for key, lock in rows if lock is not None}

    def locks(self, keys: list[str]) -> list[datetime]:
        return [lock for lock in self.db.scalars(
            select(Throttle.locked_until).where(Throttle.key.in_(keys))) if lock is not None]

    def record_failure(self, key: str, now: datetime, window_start: datetime) -> int:
        """Count one failure and return the new consecutive count.

        Failures older than the window are forgotten (the count restarts at 1).
        """
        dialect = self.db.get_bind().dialect.name
        insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert_fn(Throttle).values(key=key, failures=1, last_failure_at=now)
        fresh = Throttle.last_failure_at < window_start
        upsert = stmt.on_conflict_do_update(
            index_elements=[Throttle.key],
            set_={
                "failures": case((fresh, 1), else_=Throttle.failures + 1),
                "last_failure_at": stmt.excluded.last_failure_at,
            },
        ).returning(Throttle.failures)
        return int(self.db.execute(upsert).scalar_one())

    def take_ticket(self, key: str, now: datetime, *, provisional_until: datetime,
                    every: int | None = None, lock_after: int | None = None,
                    window_start: datetime | None = None) -> int | None:
        """Count an attempt *before* it is evaluated; None when the key is locked.

        One atomic upsert: the count goes up only while the key is not locked, and the
        attempt that reaches a multiple of ``every`` (or goes past ``lock_after``) locks the
        key at once, provisionally, until its outcome is known. So a burst of parallel guesses
        cannot get more evaluated than the limit allows. Attempts older than
        ``window_start`` are forgotten (the count restarts at 1).
        """
        if (every is None) == (lock_after is None):
            raise ValueError("give exactly one of every and lock_after")
        upsert = _ticket_statement(self.db.get_bind().dialect.name, every, lock_after,
                                   window_start is not None)
        params = {"key": key, "now": now, "provisional_until": provisional_until,
                  "window_start": window_start}
        value = self.db.execute(upsert, params).scalar_one_or_none()
        return None if value is None else int(value)

    def hold(self, key: str, now: datetime, until: datetime) -> None:
        """Mark ``key`` as held from ``now`` until ``until`` (a marker row, no failures)."""
        dialect = self.db.get_bind().dialect.name
        insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
        stmt = insert_fn(Throttle).values(key=key, failures=0, last_failure_at=now,
                                          locked_until=until)
        self.db.execute(stmt.on_conflict_do_update(index_elements=[Throttle.key],
                                                   set_={"locked_until": until}))

    def set_lock(self, key: str, locked_until: datetime | None) -> None:
        self.db.execute(update(Throttle).where(Throttle.key == key)
                        .values(locked_until=locked_until))
        if locked_until is not None:
            note(self.db, "lock", kind=lock_kind(key))

    def reset(self, key: str) -> None:
        self.db.execute(delete(Throttle).where(Throttle.key == key))
