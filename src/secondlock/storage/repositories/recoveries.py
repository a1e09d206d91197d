"""Recoveries: every change of state is one conditional UPDATE, so it happens once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm_recovery import CANCELLED, COMPLETED, WAITING, Recovery


class Recoveries:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: Recovery) -> None:
        """Raises IntegrityError when the account already has a pending recovery."""
        self.db.add(row)
        self.db.flush()

    def by_token_hash(self, token_hash: bytes) -> Recovery | None:
        return self.db.scalars(select(Recovery).where(Recovery.token_hash == token_hash)
                               .execution_options(populate_existing=True)).first()

    def pending(self, account_id: str) -> Recovery | None:
        return self.db.scalars(select(Recovery).where(
            Recovery.pending_account_id == account_id)).first()

    def all_pending(self, *, limit: int = 500) -> list[Recovery]:
        return list(self.db.scalars(select(Recovery).where(Recovery.status == WAITING)
                                    .order_by(Recovery.ready_at).limit(limit)))

    def latest(self, account_id: str) -> Recovery | None:
        return self.db.scalars(select(Recovery).where(Recovery.account_id == account_id)
                               .order_by(Recovery.started_at.desc()).limit(1)).first()

    def cancel(self, account_id: str, now: datetime, by: str) -> str | None:
        """End the account's pending recovery; its id, or None when none was pending."""
        result = self.db.execute(
            update(Recovery).where(Recovery.pending_account_id == account_id,
                                   Recovery.status == WAITING)
            .values(status=CANCELLED, pending_account_id=None, ended_at=now, ended_by=by,
                    remind_at=None)
            .returning(Recovery.id))
        return result.scalar_one_or_none()

    def complete(self, recovery_id: str, now: datetime) -> bool:
        """True for exactly one caller, once the waiting period is over."""
        result = self.db.execute(
            update(Recovery).where(Recovery.id == recovery_id, Recovery.status == WAITING,
                                   Recovery.ready_at <= now)
            .values(status=COMPLETED, pending_account_id=None, ended_at=now,
                    ended_by="completed", remind_at=None))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def shorten(self, recovery_id: str, ready_at: datetime,
                remind_at: datetime | None) -> bool:
        result = self.db.execute(
            update(Recovery).where(Recovery.id == recovery_id, Recovery.status == WAITING,
                                   Recovery.ready_at >= ready_at)
            .values(ready_at=ready_at, remind_at=remind_at))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def due_reminders(self, now: datetime, *, limit: int = 100) -> list[str]:
        return list(self.db.scalars(select(Recovery.id).where(
            Recovery.status == WAITING, Recovery.remind_at.is_not(None),
            Recovery.remind_at <= now).limit(limit)))

    def claim_reminder(self, recovery_id: str, now: datetime) -> Recovery | None:
        """The recovery whose reminder this caller sends; None when another one took it."""
        result = self.db.execute(
            update(Recovery).where(Recovery.id == recovery_id, Recovery.status == WAITING,
                                   Recovery.remind_at.is_not(None), Recovery.remind_at <= now)
            .values(remind_at=None, reminded_at=now).returning(Recovery.id))
        if result.scalar_one_or_none() is None:
            return None
        return self.db.get(Recovery, recovery_id)
