"""Recoveries seen from the server's side: the 24-hour reminder and what support can do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secondlock.core.errors import ConflictError, NotFoundError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.services.accounts import account_by_email
from secondlock.services.activity import event
from secondlock.services.outbox import emit_event
from secondlock.services.recovery import CANCEL_GRACE, REMIND_BEFORE, RecoveryView, view_of
from secondlock.services.recovery_notices import (
    plan_notices,
    recovery_stopped,
    send_reminder,
    send_shortened,
)
from secondlock.services.recovery_state import cancel_pending
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Account
from secondlock.storage.repositories import Accounts, Activity
from secondlock.storage.repositories.recoveries import Recoveries


@dataclass(frozen=True)
class StaffRecord:
    """Who did it and why, for the activity record."""

    operator: str
    reason: str
    ticket: str

    @property
    def detail(self) -> str:
        return (f"operator={self.operator[:64]}; ticket={self.ticket[:64]}; "
                f"reason={self.reason[:300]}")


def send_due_reminders(rt: Runtime) -> int:
    """Queue the "ends in 24 hours" reminder of every recovery that is due; returns how many.

    Idempotent and safe on several nodes at once: each reminder is claimed with one
    conditional UPDATE in the transaction that queues it in the outbox. Run by every server
    (a tick) and by ``secondlock prune``.
    """
    now = rt.clock.now()
    with rt.db.read() as s:
        due = Recoveries(s).due_reminders(now)
    sent = 0
    for recovery_id in due:
        with rt.db.write() as s:
            row = Recoveries(s).claim_reminder(recovery_id, now)
            account = Accounts(s).get(row.account_id) if row is not None else None
            if row is None or account is None:
                continue
            plan = plan_notices(s, rt, account, now=now, until=row.ready_at + CANCEL_GRACE)
            # The claim and the queued reminder commit together: a crash before the commit
            # leaves the reminder due (claimed again later), after it the outbox sends it.
            send_reminder(s, rt, plan, ready_at=row.ready_at,
                          info=RequestInfo(row.ip, row.user_agent),
                          known_device=row.known_device)
            s.commit()
        sent += 1
    return sent


class RecoveryAdmin:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _account(self, email: str) -> Account:
        return account_by_email(self.rt, email)

    def pending(self) -> list[RecoveryView]:
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            rows = Recoveries(s).all_pending()
            emails = {r.account_id: a.email for r in rows
                      if (a := Accounts(s).get(r.account_id)) is not None}
        return [view_of(r, emails.get(r.account_id, "?"), now) for r in rows]

    def of_account(self, account_id: str) -> RecoveryView | None:
        """The account's pending recovery, else its latest one (for ``admin show``)."""
        with self.rt.db.read() as s:
            row = Recoveries(s).pending(account_id) or Recoveries(s).latest(account_id)
            account = Accounts(s).get(account_id)
        if row is None or account is None:
            return None
        return view_of(row, account.email, self.rt.clock.now())

    def cancel(self, email: str, record: StaffRecord, info: RequestInfo) -> None:
        """Raises NotFoundError when the account has no pending recovery."""
        account = self._account(email)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            if not cancel_pending(s, account.id, now=now, by="staff", info=info,
                                  detail=record.detail):
                raise NotFoundError(msg("This account has no pending recovery."))
            emit_event(self.rt, s, "recovery.cancelled", account_id=account.id, info=info,
                       at=now, by="staff")
            recovery_stopped(s, self.rt, account.email, info, by_staff=True)
            s.commit()

    def shorten(self, email: str, until: datetime, record: StaffRecord,
                info: RequestInfo) -> datetime:
        """Let the recovery finish earlier (never later, never before now), after support
        checked the person's identity; every channel is told. Returns the new end.

        Raises:
            NotFoundError, ConflictError.
        """
        if not record.reason.strip() or not record.ticket.strip():
            raise ValueError("a reason and a ticket are required")
        account = self._account(email)
        now = self.rt.clock.now()
        ready_at = max(now, until)
        with self.rt.db.write() as s:
            row = Recoveries(s).pending(account.id)
            if row is None:
                raise NotFoundError(msg("This account has no pending recovery."))
            old = row.ready_at
            remind_at = ready_at - REMIND_BEFORE
            if ready_at >= old or not Recoveries(s).shorten(
                    row.id, ready_at, remind_at if remind_at > now else None):
                raise ConflictError(msg("The new end must be earlier than the current one."))
            plan = plan_notices(s, self.rt, account, now=now, until=ready_at + CANCEL_GRACE)
            Activity(s).add(event(at=now, name="recovery_shortened", info=info, success=True,
                                  account_id=account.id,
                                  detail=f"{record.detail}; from={old.isoformat()}; "
                                         f"to={ready_at.isoformat()}"))
            send_shortened(s, self.rt, plan, ready_at=ready_at, info=info)
            s.commit()
        return ready_at


def shorten_by(until: datetime | None, by: timedelta | None, ready_at: datetime) -> datetime:
    """The new end from ``--until`` or ``--by`` (exactly one)."""
    if (until is None) == (by is None):
        raise ValueError("give exactly one of --until and --by")
    return until if until is not None else ready_at - (by or timedelta())
