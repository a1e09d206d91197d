"""The append-only activity record."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from secondlock.storage.orm import (
    ActivityEvent,
)


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


_INSERT_ACTIVITY = insert(ActivityEvent)


class Activity:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: ActivityRow) -> None:
        """Append a row (a plain INSERT: no ORM unit-of-work for an append-only log)."""
        self.db.execute(_INSERT_ACTIVITY, [row])

    def for_account(self, account_id: str, *, limit: int = 50,
                    before_id: int | None = None) -> list[ActivityEvent]:
        stmt = select(ActivityEvent).where(ActivityEvent.account_id == account_id)
        if before_id is not None:
            stmt = stmt.where(ActivityEvent.id < before_id)
        return list(self.db.scalars(stmt.order_by(ActivityEvent.id.desc()).limit(limit)))

    def seen_since(self, *, event: str, reason: str, ip: str, since: datetime) -> bool:
        """Whether such a row was written since ``since`` (served by the index on ``at``)."""
        return self.db.scalars(select(ActivityEvent.id).where(
            ActivityEvent.at > since, ActivityEvent.event == event,
            ActivityEvent.reason == reason, ActivityEvent.ip == ip).limit(1)).first() is not None

    def count(self) -> int:
        return int(self.db.scalar(select(func.count(ActivityEvent.id))) or 0)
