"""Recoveries of accounts that lost every factor (issue #15): a waiting period, then a way in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime

WAITING = "waiting"
CANCELLED = "cancelled"
COMPLETED = "completed"


class Recovery(Base):
    """One recovery: started with the mailed link and the password, finished after ``ready_at``.

    ``token_hash`` is the SHA-256 of the mailed link's token, which stays the handle for the
    status and the completion. ``pending_account_id`` equals ``account_id`` while the
    recovery waits and is NULL afterwards: its unique constraint allows one pending recovery
    per account, also when two start at once.
    """

    __tablename__ = "recoveries"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    pending_account_id: Mapped[str | None] = mapped_column(String(36), unique=True,
                                                           default=None)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: When the "ends in 24 hours" reminder is due (None: none due, or already sent).
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: What ended it: completed, sign_in, link, not_me, staff.
    ended_by: Mapped[str | None] = mapped_column(String(16), default=None)
    #: Risk signals of the request that started it (shown, never acted on).
    ip: Mapped[str] = mapped_column(String(45))
    user_agent: Mapped[str] = mapped_column(String(512))
    known_device: Mapped[bool] = mapped_column(Boolean)
