"""The append-only activity record."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import TypedDict

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.orm import Session

from secondlock.storage.orm import (
    ActivityEvent,
)
from secondlock.storage.precompiled import Precompiled, Transaction
from secondlock.storage.signals import note


class ActivityRow(TypedDict):
    at: datetime
    account_id: str | None
    event: str
    success: bool
    reason: str | None
    method: str | None
    ip: str
    user_agent: str
    detail: str | None


_INSERT_ACTIVITY = Precompiled(insert(ActivityEvent).values(
    {name: bindparam(name, type_=ActivityEvent.__table__.c[name].type)
     for name in ActivityRow.__annotations__}))


def add_activity(tx: Transaction, row: ActivityRow) -> None:
    """Append a row (a plain INSERT: no ORM unit-of-work for an append-only log), in a
    Session or a lean transaction."""
    _INSERT_ACTIVITY.execute(tx.connection(), **row)
    note(tx, "activity", event=row["event"], success="1" if row["success"] else "",
         reason=row["reason"] or "", method=row["method"] or "")


class Activity:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: ActivityRow) -> None:
        """Append a row (a plain INSERT: no ORM unit-of-work for an append-only log)."""
        add_activity(self.db, row)

    def for_account(self, account_id: str, *, limit: int = 50, before_id: int | None = None,
                    events: Collection[str] | None = None) -> list[ActivityEvent]:
        """Newest first; ``before_id`` pages on, ``events`` keeps only those event names."""
        stmt = select(ActivityEvent).where(ActivityEvent.account_id == account_id)
        if before_id is not None:
            stmt = stmt.where(ActivityEvent.id < before_id)
        if events is not None:
            stmt = stmt.where(ActivityEvent.event.in_(list(events)))
        return list(self.db.scalars(stmt.order_by(ActivityEvent.id.desc()).limit(limit)))

    def last_sign_ins(self, account_id: str, *, limit: int = 2) -> list[ActivityEvent]:
        """The account's latest successful sign-ins, newest first."""
        return list(self.db.scalars(
            select(ActivityEvent).where(
                ActivityEvent.account_id == account_id, ActivityEvent.event == "login",
                ActivityEvent.success.is_(True)).order_by(ActivityEvent.id.desc())
            .limit(limit)))

    def sign_in_agents(self, account_id: str, *, limit: int = 200) -> list[str]:
        """The distinct user agents of the account's successful sign-ins (most kept)."""
        return list(self.db.scalars(
            select(ActivityEvent.user_agent).where(
                ActivityEvent.account_id == account_id, ActivityEvent.event == "login",
                ActivityEvent.success.is_(True)).distinct().limit(limit)))

    def new_device_sign_ins(self, account_id: str, since: datetime,
                            *, limit: int = 50) -> list[tuple[str, datetime]]:
        """(user agent, time) of sign-ins from new devices since ``since``, newest first."""
        rows = self.db.execute(
            select(ActivityEvent.user_agent, ActivityEvent.at).where(
                ActivityEvent.account_id == account_id, ActivityEvent.event == "login",
                ActivityEvent.success.is_(True), ActivityEvent.detail == "new_device",
                ActivityEvent.at > since).order_by(ActivityEvent.at.desc()).limit(limit))
        return [(agent, at) for agent, at in rows]

    def events_since(self, account_id: str, events: Collection[str], since: datetime,
                     *, limit: int = 50) -> list[tuple[str, str, datetime]]:
        """(event, ip, time) of the account's rows of those events since ``since``, newest
        first."""
        rows = self.db.execute(
            select(ActivityEvent.event, ActivityEvent.ip, ActivityEvent.at).where(
                ActivityEvent.account_id == account_id, ActivityEvent.event.in_(list(events)),
                ActivityEvent.at > since).order_by(ActivityEvent.at.desc()).limit(limit))
        return [(name, ip, at) for name, ip, at in rows]

    def delete_before(self, cutoff: datetime, *, batch: int = 5000) -> int:
        """Delete up to ``batch`` rows older than ``cutoff`` (oldest first); returns how many.

        Small batches keep each transaction short on a busy PostgreSQL.
        """
        ids = list(self.db.scalars(select(ActivityEvent.id).where(ActivityEvent.at < cutoff)
                                   .order_by(ActivityEvent.id).limit(batch)))
        if not ids:
            return 0
        self.db.execute(delete(ActivityEvent).where(ActivityEvent.id.in_(ids)))
        return len(ids)

    def count(self) -> int:
        return int(self.db.scalar(select(func.count(ActivityEvent.id))) or 0)
