"""Staff roles, API keys, reset approvals and the audit log.

The audit log has an append and reads, and one age-bound delete for ``secondlock prune``
(its own, long retention); nothing updates an entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import Account, Authenticator
from secondlock.storage.orm_sms_email_codes import FactorDestination
from secondlock.storage.orm_staff import StaffApiKey, StaffApproval, StaffAuditEntry, StaffMember


class StaffMembers:
    def __init__(self, db: Session) -> None:
        self.db = db

    def role_of(self, account_id: str) -> str | None:
        return self.db.scalar(select(StaffMember.role)
                              .where(StaffMember.account_id == account_id))

    def put(self, account_id: str, role: str, now: datetime) -> None:
        """Grant (or change) a role. ``created_at`` is when an operator last granted it: the
        security keys registered by then are the ones the operator vouched for."""
        row = self.db.get(StaffMember, account_id)
        if row is None:
            self.db.add(StaffMember(account_id=account_id, role=role, created_at=now))
        else:
            row.role = role
            row.created_at = now
        self.db.flush()

    def grant(self, account_id: str) -> tuple[str, datetime] | None:
        """The member's role and when it was last granted (None: not staff)."""
        row = self.db.execute(select(StaffMember.role, StaffMember.created_at)
                              .where(StaffMember.account_id == account_id)).first()
        return None if row is None else (row.role, row.created_at)

    def keys_registered_by(self, account_id: str, when: datetime) -> int:
        """How many security keys and passkeys the account had registered at ``when``."""
        return self.db.scalar(select(func.count()).select_from(Authenticator).where(
            Authenticator.account_id == account_id, Authenticator.type == "webauthn",
            Authenticator.created_at <= when)) or 0

    def remove(self, account_id: str) -> bool:
        result = self.db.execute(delete(StaffMember).where(StaffMember.account_id == account_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def all(self) -> list[tuple[StaffMember, str]]:
        """Every staff member with their email, by email."""
        rows = self.db.execute(select(StaffMember, Account.email)
                               .join(Account, Account.id == StaffMember.account_id)
                               .order_by(Account.email))
        return [(row[0], row[1]) for row in rows]


class ApiKeys:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: StaffApiKey) -> None:
        self.db.add(row)
        self.db.flush()

    def by_hash(self, key_hash: bytes) -> StaffApiKey | None:
        return self.db.scalars(select(StaffApiKey).where(StaffApiKey.key_hash == key_hash)).first()

    def all(self) -> list[StaffApiKey]:
        return list(self.db.scalars(select(StaffApiKey).order_by(StaffApiKey.created_at)))

    def touch(self, key_id: str, now: datetime) -> None:
        self.db.execute(update(StaffApiKey).where(StaffApiKey.id == key_id)
                        .values(last_used_at=now))

    def revoke(self, key_id: str, now: datetime) -> bool:
        result = self.db.execute(update(StaffApiKey).where(StaffApiKey.id == key_id,
                                                           StaffApiKey.revoked_at.is_(None))
                                 .values(revoked_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def revoke_all(self, account_id: str, now: datetime) -> int:
        result = self.db.execute(update(StaffApiKey).where(StaffApiKey.account_id == account_id,
                                                           StaffApiKey.revoked_at.is_(None))
                                 .values(revoked_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]


class Approvals:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: StaffApproval) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, approval_id: str) -> StaffApproval | None:
        return self.db.get(StaffApproval, approval_id)

    def mark_approved(self, approval_id: str, by: str, now: datetime) -> bool:
        """Approve once: a second approval of the same request changes nothing."""
        result = self.db.execute(update(StaffApproval).where(
            StaffApproval.id == approval_id, StaffApproval.approved_at.is_(None))
            .values(approved_by=by, approved_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def pending(self, limit: int = 100) -> list[tuple[StaffApproval, str]]:
        """Waiting requests with the shopper's email, oldest first."""
        rows = self.db.execute(select(StaffApproval, Account.email)
                               .join(Account, Account.id == StaffApproval.account_id)
                               .where(StaffApproval.approved_at.is_(None))
                               .order_by(StaffApproval.created_at).limit(limit))
        return [(row[0], row[1]) for row in rows]


class AuditRow(TypedDict):
    at: datetime
    staff_account_id: str
    staff_email: str
    action: str
    account_id: str | None
    reason: str | None
    ticket: str | None
    ip: str
    via: str


_INSERT_AUDIT = insert(StaffAuditEntry)


class StaffAudit:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: AuditRow) -> None:
        self.db.execute(_INSERT_AUDIT, [row])

    def newest(self, *, account_id: str | None = None, limit: int = 200) -> list[StaffAuditEntry]:
        stmt = select(StaffAuditEntry)
        if account_id is not None:
            stmt = stmt.where(StaffAuditEntry.account_id == account_id)
        return list(self.db.scalars(stmt.order_by(StaffAuditEntry.id.desc()).limit(limit)))

    def delete_before(self, cutoff: datetime, *, batch: int = 5000) -> int:
        """For ``secondlock prune`` only: entries past the audit's own retention."""
        ids = list(self.db.scalars(select(StaffAuditEntry.id).where(StaffAuditEntry.at < cutoff)
                                   .order_by(StaffAuditEntry.id).limit(batch)))
        if ids:
            self.db.execute(delete(StaffAuditEntry).where(StaffAuditEntry.id.in_(ids)))
        return len(ids)


def search_accounts(db: Session, *, email_prefix: str | None, phone: str | None,
                    limit: int = 50) -> list[Account]:
    """Accounts whose email starts with ``email_prefix``, or with an SMS factor at ``phone``."""
    if phone is not None:
        stmt = (select(Account).join(Authenticator, Authenticator.account_id == Account.id)
                .join(FactorDestination, FactorDestination.authenticator_id == Authenticator.id)
                .where(FactorDestination.channel == "sms", FactorDestination.destination == phone)
                .distinct())
    else:
        escaped = (email_prefix or "").replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_")
        stmt = select(Account).where(Account.email.like(f"{escaped}%", escape="\\"))
    return list(db.scalars(stmt.order_by(Account.email).limit(limit)))
