"""The outbox and webhook endpoints: enqueue in the caller's transaction, claim with a lease.

Claiming is one conditional UPDATE per row (``claimed_until`` unset or run out), so two
nodes never both claim a row while its lease runs; on PostgreSQL the candidates are read
with ``FOR UPDATE SKIP LOCKED`` so busy nodes don't queue behind each other's rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from secondlock.storage.orm_outbox import (
    DROPPED,
    FAILED,
    PENDING,
    SENT,
    OutboxMessage,
    WebhookEndpoint,
)


@dataclass(frozen=True)
class ChannelStats:
    channel: str
    pending: int
    failed: int
    oldest_pending_at: datetime | None


def lane_of(row: OutboxMessage) -> str:
    """Deliveries share a concurrency limit per lane: email, sms, and each webhook endpoint."""
    return f"webhook:{row.endpoint_id}" if row.channel == "webhook" else row.channel


class Outbox:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: OutboxMessage) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, message_id: str) -> OutboxMessage | None:
        return self.db.get(OutboxMessage, message_id)

    @staticmethod
    def _due(now: datetime) -> ColumnElement[bool]:
        return and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now,
                    or_(OutboxMessage.claimed_until.is_(None),
                        OutboxMessage.claimed_until < now))

    def any_due(self, now: datetime, *, claimed_too: bool = False) -> bool:
        """A row is due now (``claimed_too``: or claimed by a node sending it now)."""
        where = and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now) \
            if claimed_too else self._due(now)
        return self.db.scalar(select(OutboxMessage.id).where(where).limit(1)) is not None

    def claim(self, *, now: datetime, node: str, lease: timedelta | Mapping[str, timedelta],
              slots: Mapping[str, int], default_slots: int,
              limit: int = 100) -> list[OutboxMessage]:
        """Claim due rows for ``node`` until ``now + lease`` (or ``lease[channel]``), at most
        ``slots[lane]`` per lane
        (``default_slots`` for a lane not named). Oldest due first."""
        query = (select(OutboxMessage).where(self._due(now))
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if self.db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        free = dict(slots)
        claimed: list[OutboxMessage] = []
        for row in self.db.scalars(query).all():
            lane = lane_of(row)
            if free.get(lane, default_slots) <= 0:
                continue
            result = self.db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, self._due(now))
                .values(claimed_by=node, claimed_until=now + (
                    lease if isinstance(lease, timedelta) else lease[row.channel]))
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:  # type: ignore[attr-defined]
                free[lane] = free.get(lane, default_slots) - 1
                self.db.refresh(row)
                claimed.append(row)
        return claimed

    def _finish(self, message_id: str, node: str, **values: object) -> bool:
        result = self.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claimed_by == node,
                   OutboxMessage.status == PENDING)
            .values(claimed_by=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def mark_sent(self, message_id: str, node: str, now: datetime) -> bool:
        return self._finish(message_id, node, status=SENT, sent_at=now,
                            attempts=OutboxMessage.attempts + 1, last_error=None)

    def mark_dropped(self, message_id: str, node: str, now: datetime, reason: str) -> bool:
        return self._finish(message_id, node, status=DROPPED, sent_at=now, last_error=reason)

    def drop(self, message_id: str, now: datetime, reason: str) -> bool:
        """Drop a row that has not gone out (a replaced code), whoever holds its lease: a
        send in flight may still finish, but it is not retried."""
        result = self.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == PENDING)
            .values(status=DROPPED, sent_at=now, last_error=reason[:255])
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def mark_retry(self, message_id: str, node: str, *, next_attempt_at: datetime,
                   error: str) -> bool:
        return self._finish(message_id, node, next_attempt_at=next_attempt_at,
                            attempts=OutboxMessage.attempts + 1, last_error=error[:255])

    def mark_failed(self, message_id: str, node: str, error: str) -> bool:
        return self._finish(message_id, node, status=FAILED,
                            attempts=OutboxMessage.attempts + 1, last_error=error[:255])

    def stats(self) -> list[ChannelStats]:
        rows = self.db.execute(
            select(OutboxMessage.channel, OutboxMessage.status, func.count(),
                   func.min(OutboxMessage.created_at))
            .where(OutboxMessage.status.in_([PENDING, FAILED]))
            .group_by(OutboxMessage.channel, OutboxMessage.status)).all()
        by_channel: dict[str, dict[str, object]] = {}
        for channel, status, count, oldest in rows:
            entry = by_channel.setdefault(channel, {"pending": 0, "failed": 0, "oldest": None})
            entry[status] = count
            if status == PENDING:
                entry["oldest"] = oldest
        result = []
        for channel in ("email", "sms", "webhook"):
            entry = by_channel.get(channel, {"pending": 0, "failed": 0, "oldest": None})
            result.append(ChannelStats(channel, int(str(entry["pending"])),
                                       int(str(entry["failed"])), _aware(entry["oldest"])))
        return result

    def failed(self, limit: int = 50) -> list[OutboxMessage]:
        return list(self.db.scalars(select(OutboxMessage).where(OutboxMessage.status == FAILED)
                                    .order_by(OutboxMessage.created_at.desc()).limit(limit)))

    def retry(self, message_id: str, now: datetime, give_up_after: datetime) -> bool:
        """Send a failed (or pending) row again now, with a fresh retry window."""
        result = self.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id,
                   OutboxMessage.status.in_([PENDING, FAILED]))
            .values(status=PENDING, next_attempt_at=now, claimed_by=None, claimed_until=None,
                    give_up_after=func.max(OutboxMessage.give_up_after, give_up_after)
                    if self.db.get_bind().dialect.name == "sqlite"
                    else func.greatest(OutboxMessage.give_up_after, give_up_after))
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def retry_all_failed(self, now: datetime, give_up_after: datetime) -> int:
        result = self.db.execute(
            update(OutboxMessage).where(OutboxMessage.status == FAILED)
            .values(status=PENDING, next_attempt_at=now, claimed_by=None, claimed_until=None,
                    give_up_after=give_up_after)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def prune(self, sent_before: datetime) -> int:
        """Delete rows that went out (or were dropped) before ``sent_before``."""
        result = self.db.execute(delete(OutboxMessage).where(
            OutboxMessage.status.in_([SENT, DROPPED]), OutboxMessage.sent_at < sent_before)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def drop_for_endpoint(self, endpoint_id: str, now: datetime) -> int:
        result = self.db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.endpoint_id == endpoint_id,
                   OutboxMessage.status.in_([PENDING, FAILED]))
            .values(status=DROPPED, sent_at=now, last_error="endpoint removed",
                    claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]


def _aware(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class WebhookEndpoints:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: WebhookEndpoint) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        return self.db.get(WebhookEndpoint, endpoint_id)

    def all(self) -> list[WebhookEndpoint]:
        return list(self.db.scalars(select(WebhookEndpoint)
                                    .order_by(WebhookEndpoint.created_at)))

    def remove(self, endpoint_id: str) -> bool:
        result = self.db.execute(delete(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id).execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def succeeded(self, endpoint_id: str, now: datetime) -> None:
        self.db.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                        .values(last_success_at=now, failing_since=None,
                                marked_failing_at=None, last_error=None)
                        .execution_options(synchronize_session=False))

    def failed(self, endpoint_id: str, now: datetime, error: str,
               failing_after: timedelta) -> bool:
        """Record a failure; True when this one marks the endpoint failing (tell the operator)."""
        self.db.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                        .values(failing_since=func.coalesce(WebhookEndpoint.failing_since, now),
                                last_error=error[:255])
                        .execution_options(synchronize_session=False))
        result = self.db.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id,
                   WebhookEndpoint.marked_failing_at.is_(None),
                   and_(WebhookEndpoint.failing_since.is_not(None),
                        WebhookEndpoint.failing_since <= now - failing_after))
            .values(marked_failing_at=now)
            .execution_options(synchronize_session=False))
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
