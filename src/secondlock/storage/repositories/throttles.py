"""Failure counters; every increment is one atomic upsert, safe across processes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from secondlock.storage.base import UTCDateTime
from secondlock.storage.orm import Throttle
from secondlock.storage.precompiled import Precompiled, Transaction, as_utc
from secondlock.storage.signals import note
from secondlock.storage.upserts import insert_for


@lru_cache(maxsize=16)
def _ticket(dialect: str, every: int | None, lock_after: int | None,
            windowed: bool) -> Precompiled:
    """The ticket upsert, built and compiled once per shape (building it, or even finding it
    in SQLAlchemy's statement cache, costs more than running it)."""
    return Precompiled(_ticket_statement(dialect, every, lock_after, windowed))


def _ticket_statement(dialect: str, every: int | None, lock_after: int | None,
                      windowed: bool) -> ReturningInsert[Any]:
    now = bindparam("now", type_=UTCDateTime())
    provisional = bindparam("provisional_until", type_=UTCDateTime())
    insert_fn = insert_for(dialect)
    stmt = insert_fn(Throttle).values(key=bindparam("key"), failures=1, last_failure_at=now,
                                      locked_until=None)
    counted: ColumnElement[int] = Throttle.failures + 1
    if windowed:
        window_start = bindparam("window_start", type_=UTCDateTime())
        counted = case((Throttle.last_failure_at < window_start, 1), else_=counted)
    hits_cap = (counted.self_group().op("%")(every) == 0) if every is not None \
        else counted > lock_after
    upsert: ReturningInsert[Any] = stmt.on_conflict_do_update(
        index_elements=[Throttle.key],
        set_={
            "failures": counted,
            "last_failure_at": stmt.excluded.last_failure_at,
            "locked_until": case((hits_cap, provisional), else_=Throttle.locked_until),
        },
        where=Throttle.locked_until.is_(None) | (Throttle.locked_until <= now),
    ).returning(Throttle.failures)
    return upsert


@lru_cache(maxsize=8)
def _refuse(count: int, dialect: str) -> Precompiled:
    """Count a refused attempt on each of ``count`` keys that is locked, returning the locks:
    the lock check of a refused request, in one statement and no new row (#17).

    On PostgreSQL the rows are locked in key order first (a sorted ``FOR UPDATE``): an
    ``UPDATE`` locks rows in whatever order its plan reads them, so a sequential scan could
    take a sign-in's in-flight mark before its account counter while a failed sign-in holds
    the counter and wants the mark, a deadlock that answered 503. Every writer of several
    keys of one sign-in takes them in key order (``PasswordAttempts``). SQLite locks the
    whole file, so it needs no order."""
    now = bindparam("now", type_=UTCDateTime())
    keys: list[Any] = [bindparam(f"key_{i}") for i in range(count)]
    locked: ColumnElement[bool] = Throttle.key.in_(keys) & (Throttle.locked_until > now)
    if dialect == "postgresql":
        in_order = (select(Throttle.key).where(locked).order_by(Throttle.key)
                    .with_for_update())
        locked = Throttle.key.in_(in_order.scalar_subquery()) & (Throttle.locked_until > now)
    return Precompiled(
        update(Throttle).where(locked)
        .values(refused=Throttle.refused + 1,
                refused_since=func.coalesce(Throttle.refused_since, now), refused_until=now)
        .returning(Throttle.key, Throttle.locked_until))


@lru_cache(maxsize=2)
def _hold(dialect: str) -> Precompiled:
    insert_fn = insert_for(dialect)
    stmt = insert_fn(Throttle).values(
        key=bindparam("key"), failures=0,
        last_failure_at=bindparam("now", type_=UTCDateTime()),
        locked_until=bindparam("until", type_=UTCDateTime()))
    return Precompiled(stmt.on_conflict_do_update(
        index_elements=[Throttle.key], set_={"locked_until": stmt.excluded.locked_until}))


@dataclass(frozen=True)
class Refused:
    """Attempts refused while a key was locked, from the first to the last."""

    count: int
    since: datetime
    until: datetime


_TAKE_REFUSED = select(Throttle.refused, Throttle.refused_since, Throttle.refused_until)


def lock_kind(key: str) -> str:
    """``"mfa:acct:..."`` -> ``"mfa_account"``, ``"login:ip:..."`` -> ``"login_ip"``."""
    scope, _, rest = key.partition(":")
    who = rest.partition(":")[0]
    return f"{scope}_{'account' if who == 'acct' else who}"[:32]


class Counters:
    """The counters' statements of a guessing attack's hot paths: precompiled, so they run
    in a Session or in a lean transaction (``storage.lean``)."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

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
        connection = self.tx.connection()
        upsert = _ticket(connection.dialect.name, every, lock_after, window_start is not None)
        params = {"key": key, "now": now, "provisional_until": provisional_until}
        if window_start is not None:
            params["window_start"] = window_start
        value = upsert.execute(connection, **params).scalar_one_or_none()
        if value is None:
            return None
        if (value % every == 0) if every is not None else value > (lock_after or 0):
            # This ticket locked the key (provisionally): that is the lock, counted once here;
            # the real back-off that replaces it is not counted again (``set_lock``).
            note(self.tx, "lock", kind=lock_kind(key))
        return int(value)

    def hold(self, key: str, now: datetime, until: datetime) -> None:
        """Mark ``key`` as held from ``now`` until ``until`` (a marker row, no failures)."""
        _hold(self.tx.connection().dialect.name).execute(self.tx.connection(), key=key,
                                                         now=now, until=until)

    def refuse(self, keys: list[str], now: datetime) -> datetime | None:
        """The latest lock among ``keys`` still in force, counting this refused attempt on
        each locked one; None when none is locked (nothing was written then)."""
        locks = self.refuse_by_key(keys, now)
        return max(locks.values(), default=None)

    def refuse_by_key(self, keys: list[str], now: datetime) -> dict[str, datetime]:
        """``refuse``, giving each locked key's lock."""
        values = {f"key_{i}": key for i, key in enumerate(keys)}
        connection = self.tx.connection()
        rows: Sequence[Any] = _refuse(len(keys), connection.dialect.name).execute(
            connection, now=now, **values).all()
        locks = {key: lock for key, lock in ((key, as_utc(value)) for key, value in rows)
                 if lock is not None}
        if locks:  # one refused attempt for metrics, whichever keys refused it
            note(self.tx, "refused", kind=lock_kind(max(locks, key=locks.__getitem__)))
        return locks


class Throttles(Counters):
    """Failure counters; every increment is one atomic upsert, safe across processes."""

    def __init__(self, db: Session) -> None:
        super().__init__(db)
        self.db = db

    def get(self, key: str) -> Throttle | None:
        return self.db.get(Throttle, key)

    def locks(self, keys: list[str]) -> list[datetime]:
        return [lock for lock in self.db.scalars(
            select(Throttle.locked_until).where(Throttle.key.in_(keys))) if lock is not None]

    def record_failure(self, key: str, now: datetime, window_start: datetime) -> int:
        """Count one failure and return the new consecutive count.

        Failures older than the window are forgotten (the count restarts at 1).
        """
        dialect = self.db.get_bind().dialect.name
        insert_fn = insert_for(dialect)
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

    def take_refused(self, key: str) -> Refused | None:
        """The refused attempts counted on ``key`` since they were last taken, cleared."""
        row = self.db.execute(_TAKE_REFUSED.where(Throttle.key == key)).first()
        if row is None or not row.refused or row.refused_since is None:
            return None
        self.db.execute(update(Throttle).where(Throttle.key == key).values(
            refused=0, refused_since=None, refused_until=None))
        return Refused(row.refused, row.refused_since, row.refused_until or row.refused_since)

    def set_lock(self, key: str, locked_until: datetime | None, *,
                 already_counted: bool = False) -> None:
        """Lock ``key`` until ``locked_until`` (None unlocks). ``already_counted``: this
        replaces the provisional lock of a ticket, which metrics counted already."""
        self.db.execute(update(Throttle).where(Throttle.key == key)
                        .values(locked_until=locked_until))
        if locked_until is not None and not already_counted:
            note(self.db, "lock", kind=lock_kind(key))

    def reset(self, key: str) -> Refused | None:
        """Forget ``key``'s failures and lock; the attempts refused meanwhile, if any."""
        row = self.db.execute(delete(Throttle).where(Throttle.key == key).returning(
            Throttle.refused, Throttle.refused_since, Throttle.refused_until)).first()
        if row is None or not row.refused or row.refused_since is None:
            return None
        return Refused(row.refused, row.refused_since, row.refused_until or row.refused_since)
