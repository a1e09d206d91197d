"""What every staff use case shares: the role check and the audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import ForbiddenError, NotFoundError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.staff import CHANGES, StaffAction, may
from secondlock.services.staff import StaffActor
from secondlock.storage.orm import Account
from secondlock.storage.repositories import Accounts
from secondlock.storage.repositories.staff import AuditRow, StaffAudit


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    staff: str
    action: str
    account_id: str | None
    reason: str | None
    ticket: str | None
    ip: str
    via: str


def allow(actor: StaffActor, action: StaffAction) -> None:
    """Raises ForbiddenError unless the actor's role allows the action."""
    if not may(actor.role, action):
        raise ForbiddenError(msg("Your staff role does not allow this."))


def target(s: DbSession, actor: StaffActor, account_id: str, action: StaffAction) -> Account:
    """The shopper's account; never the actor's own for a change.

    Raises:
        NotFoundError, ForbiddenError.
    """
    account = Accounts(s).get(account_id) if len(account_id) <= 64 else None
    if account is None:
        raise NotFoundError(msg("No such account."))
    if action in CHANGES and account.id == actor.account_id:
        raise ForbiddenError(msg("Staff cannot act on their own account."))
    return account


def record(s: DbSession, actor: StaffActor, action: StaffAction, *, at: datetime,
           info: RequestInfo, account_id: str | None = None, reason: str | None = None,
           ticket: str | None = None) -> None:
    """Append one audit entry inside the caller's transaction."""
    StaffAudit(s).add(AuditRow(at=at, staff_account_id=actor.account_id,
                               staff_email=actor.email, action=action.value,
                               account_id=account_id,
                               reason=reason.strip()[:2000] if reason else None,
                               ticket=ticket.strip()[:128] if ticket else None,
                               ip=info.ip, via=actor.via))


def read_audit(s: DbSession, *, account_id: str | None, limit: int) -> list[AuditEntry]:
    return [AuditEntry(id=e.id, at=e.at, staff=e.staff_email, action=e.action,
                       account_id=e.account_id, reason=e.reason, ticket=e.ticket, ip=e.ip,
                       via=e.via)
            for e in StaffAudit(s).newest(account_id=account_id, limit=limit)]
