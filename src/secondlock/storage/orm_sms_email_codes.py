"""Tables of SMS and email codes (#4), on the shared ``storage.base.Base``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime


class FactorDestination(Base):
    """Where an SMS or email factor sends its codes: an E.164 number or an address."""

    __tablename__ = "factor_destinations"

    authenticator_id: Mapped[str] = mapped_column(
        ForeignKey("authenticators.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" or "email"
    destination: Mapped[str] = mapped_column(String(254))


class DeliveryCode(Base):
    """One challenge: the live code for an account, purpose and binding, over one channel.

    ``binding`` is what the code is for: the pending sign-in (login), the session
    (reauth) or the factor being set up (enroll). A resend replaces ``code_hash`` (the old
    code is void) and keeps ``tries``; the current code has ``tries - tries_at_issue`` used.
    """

    __tablename__ = "delivery_codes"
    __table_args__ = (UniqueConstraint("purpose", "binding", "channel",
                                       name="uq_delivery_codes_purpose_binding_channel"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(8))
    binding: Mapped[str] = mapped_column(String(36))
    authenticator_id: Mapped[str | None] = mapped_column(
        ForeignKey("authenticators.id", ondelete="CASCADE"), default=None)
    destination: Mapped[str] = mapped_column(String(254))
    #: HMAC-SHA256 of the live code (core.delivery_codes.hash_code); None before a send.
    code_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    tries_at_issue: Mapped[int] = mapped_column(Integer, default=0)
    sends: Mapped[int] = mapped_column(Integer, default=0)
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class CodeSend(Base):
    """One code sent (or attempted): what the send budgets count. Pruned after two days."""

    __tablename__ = "code_sends"
    __table_args__ = (Index("ix_code_sends_destination_at", "destination_key", "at"),
                      Index("ix_code_sends_account_at", "account_id", "at"),
                      Index("ix_code_sends_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    account_id: Mapped[str] = mapped_column(String(36))
    #: Keyed digest of the number or address (budgets need equality, not the value).
    destination_key: Mapped[str] = mapped_column(String(64))
    #: The client's throttling group (IPv6 /64).
    ip: Mapped[str] = mapped_column(String(64))
