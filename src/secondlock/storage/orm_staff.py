"""Staff roles, their API keys, reset approvals and the append-only audit log (issue #14)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime


class StaffMember(Base):
    """An ordinary account given a staff role ("support" or "admin")."""

    __tablename__ = "staff_members"

    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StaffApiKey(Base):
    """A key a helpdesk integration uses to act as one staff member. Only a keyed hash."""

    __tablename__ = "staff_api_keys"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class StaffApproval(Base):
    """A 2FA reset waiting for a second staff member (an admin, never the requester)."""

    __tablename__ = "staff_approvals"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[str] = mapped_column(String(36))
    requester_email: Mapped[str] = mapped_column(String(254))
    reason: Mapped[str] = mapped_column(Text)
    ticket: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(36), default=None)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class StaffAuditEntry(Base):
    """Append-only: who of the staff did or read what, about which account, why, from where.

    No foreign keys: an entry outlives the staff member's and the shopper's accounts.
    """

    __tablename__ = "staff_audit"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_account_id: Mapped[str] = mapped_column(String(36))
    staff_email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    reason: Mapped[str | None] = mapped_column(Text, default=None)
    ticket: Mapped[str | None] = mapped_column(String(128), default=None)
    ip: Mapped[str] = mapped_column(String(45))
    #: "api" (a key) or "console" (a session).
    via: Mapped[str] = mapped_column(String(16))
