"""The outbox (every mail, text and webhook delivery) and the shop's webhook endpoints.

A row is written in the same transaction as the change that causes it and delivered from
there by a dispatcher in every running server. The payload (rendered mail, text, webhook
body) is sealed with the keyring like TOTP secrets: mails carry codes and single-use links,
and a database dump must not reveal them. What an operator needs to see (channel, kind,
state, attempts, the last error) stays readable.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from secondlock.storage.base import Base, UTCDateTime

#: Row states. ``pending`` rows are due at ``next_attempt_at``; the others are final.
PENDING = "pending"
SENT = "sent"
FAILED = "failed"    # gave up after the retry window; ``secondlock outbox retry`` revives it
DROPPED = "dropped"  # a code that expired before it could go out, or a removed endpoint


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    #: Also the ``webhook-id`` of a webhook delivery: the same on every retry.
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    #: ``email``, ``sms`` or ``webhook``.
    channel: Mapped[str] = mapped_column(String(16))
    #: A short tag for logs and metrics ("mfa_enabled", "email_code_login", an event type).
    kind: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str | None] = mapped_column(String(36), default=None)
    #: Webhooks: the endpoint this delivery is for (a removed endpoint drops its rows).
    endpoint_id: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    payload_key_id: Mapped[str] = mapped_column(String(16))
    payload_blob: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: A code's own expiry: not sent after this moment (dropped instead).
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Retries end (status ``failed``) once a failure happens after this moment.
    give_up_after: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The lease: a node claims a row until ``claimed_until``; a dead node's lease runs out.
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    #: Why the last attempt failed (the error's kind and the server, never the content).
    last_error: Mapped[str | None] = mapped_column(String(255), default=None)


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))
    #: Event types separated by spaces; empty: every event.
    events: Mapped[str] = mapped_column(Text, default="")
    #: The ``whsec_`` signing secret, sealed with the keyring.
    secret_key_id: Mapped[str] = mapped_column(String(16))
    secret_blob: Mapped[bytes] = mapped_column(LargeBinary(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: The first failure since the last success (None while it answers).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    #: Set once it has failed for ``SECONDLOCK_WEBHOOK_FAILING_DAYS``; cleared by a success.
    marked_failing_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(String(255), default=None)
