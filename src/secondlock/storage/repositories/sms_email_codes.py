"""SMS and email codes: factor destinations, live challenges and the send log (budgets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from secondlock.core.sms_email_codes import TRIES_PER_CODE
from secondlock.storage.orm import Authenticator
from secondlock.storage.orm_sms_email_codes import CodeSend, DeliveryCode, FactorDestination
from secondlock.storage.upserts import insert_for


class Destinations:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, authenticator_id: str, channel: str, destination: str) -> None:
        self.db.add(FactorDestination(authenticator_id=authenticator_id, channel=channel,
                                      destination=destination))
        self.db.flush()

    def of(self, authenticator_ids: list[str]) -> dict[str, str]:
        if not authenticator_ids:
            return {}
        rows = self.db.execute(select(FactorDestination.authenticator_id,
                                      FactorDestination.destination).where(
            FactorDestination.authenticator_id.in_(authenticator_ids)))
        return {row[0]: row[1] for row in rows}

    def confirmed(self, account_id: str, channel: str) -> list[tuple[Authenticator, str]]:
        """The account's confirmed factors of one channel with their destinations, oldest
        first."""
        rows = self.db.execute(
            select(Authenticator, FactorDestination.destination)
            .join(FactorDestination, FactorDestination.authenticator_id == Authenticator.id)
            .where(Authenticator.account_id == account_id, Authenticator.type == channel,
                   Authenticator.confirmed_at.is_not(None))
            .order_by(Authenticator.created_at))
        return [(row[0], row[1]) for row in rows]


class DeliveryCodes:
    def __init__(self, db: Session) -> None:
        self.db = db

    def find(self, purpose: str, binding: str, channel: str) -> DeliveryCode | None:
        return self.db.scalars(select(DeliveryCode).where(
            DeliveryCode.purpose == purpose, DeliveryCode.binding == binding,
            DeliveryCode.channel == channel)).first()

    def get(self, code_id: str) -> DeliveryCode | None:
        return self.db.get(DeliveryCode, code_id)

    def get_or_create(self, row: DeliveryCode) -> DeliveryCode:
        """The challenge for (purpose, binding, channel); parallel first sends share one."""
        dialect = self.db.get_bind().dialect.name
        insert_fn: Any = insert_for(dialect)
        values = {c.name: getattr(row, c.key) for c in DeliveryCode.__table__.columns
                  if getattr(row, c.key) is not None}
        self.db.execute(insert_fn(DeliveryCode).values(**values).on_conflict_do_nothing(
            index_elements=["purpose", "binding", "channel"]))
        found = self.db.scalars(select(DeliveryCode).where(
            DeliveryCode.purpose == row.purpose, DeliveryCode.binding == row.binding,
            DeliveryCode.channel == row.channel).execution_options(populate_existing=True)
        ).one()
        return found

    def issue(self, code_id: str, code_hash: bytes, *, now: datetime, expires_at: datetime,
              next_send_at: datetime, destination: str) -> int | None:
        """Replace the code (the old one is void) unless the cooldown runs: the new number of
        sends when issued, else None.

        One conditional UPDATE, so two parallel resends cannot both send. ``tries`` is kept.
        """
        result = self.db.execute(update(DeliveryCode).where(
            DeliveryCode.id == code_id, DeliveryCode.used_at.is_(None),
            DeliveryCode.next_send_at.is_(None) | (DeliveryCode.next_send_at <= now))
            .values(code_hash=code_hash, expires_at=expires_at, next_send_at=next_send_at,
                    tries_at_issue=DeliveryCode.tries, sends=DeliveryCode.sends + 1,
                    destination=destination)
            .returning(DeliveryCode.sends))
        value = result.scalar_one_or_none()
        return None if value is None else int(value)

    def allow_send_now(self, code_id: str, now: datetime) -> None:
        """The last code did not go out: the shopper may ask again at once (budgets still
        count)."""
        self.db.execute(update(DeliveryCode).where(DeliveryCode.id == code_id)
                        .values(next_send_at=now))

    def take_try(self, code_id: str, now: datetime) -> int | None:
        """Count one try of the live code before comparing; None when it has none left."""
        result = self.db.execute(update(DeliveryCode).where(
            DeliveryCode.id == code_id, DeliveryCode.used_at.is_(None),
            DeliveryCode.code_hash.is_not(None), DeliveryCode.expires_at > now,
            DeliveryCode.tries - DeliveryCode.tries_at_issue < TRIES_PER_CODE)
            .values(tries=DeliveryCode.tries + 1).returning(DeliveryCode.tries))
        value = result.scalar_one_or_none()
        return None if value is None else int(value)

    def claim(self, code_id: str, code_hash: bytes, now: datetime) -> bool:
        """Use the code once: True for exactly one caller, and only for the live code."""
        result = self.db.execute(update(DeliveryCode).where(
            DeliveryCode.id == code_id, DeliveryCode.used_at.is_(None),
            DeliveryCode.code_hash == code_hash, DeliveryCode.expires_at > now)
            .values(used_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def prune(self, before: datetime) -> int:
        result = self.db.execute(delete(DeliveryCode).where(DeliveryCode.expires_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]


class CodeSends:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: CodeSend) -> None:
        self.db.add(row)
        self.db.flush()

    def count(self, *, since: datetime, channel: str | None = None,
              destination_key: str | None = None, account_id: str | None = None,
              ip: str | None = None) -> tuple[int, datetime | None]:
        """Sends since ``since`` matching the filters, and the oldest of them."""
        stmt = select(func.count(CodeSend.id), func.min(CodeSend.at)).where(CodeSend.at > since)
        if channel is not None:
            stmt = stmt.where(CodeSend.channel == channel)
        if destination_key is not None:
            stmt = stmt.where(CodeSend.destination_key == destination_key)
        if account_id is not None:
            stmt = stmt.where(CodeSend.account_id == account_id)
        if ip is not None:
            stmt = stmt.where(CodeSend.ip == ip)
        count, oldest = self.db.execute(stmt).one()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        return int(count or 0), oldest

    def prune(self, before: datetime) -> int:
        result = self.db.execute(delete(CodeSend).where(CodeSend.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]


def confirm_factor(db: Session, authenticator_id: str, now: datetime) -> bool:
    """Turn a pending SMS/email factor into a confirmed one: True for exactly one caller."""
    result = db.execute(update(Authenticator).where(
        Authenticator.id == authenticator_id, Authenticator.confirmed_at.is_(None))
        .values(confirmed_at=now, pending_expires_at=None, last_used_at=now))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_factor_used(db: Session, code_id: str, now: datetime) -> None:
    """The factor whose code was just used (if any) shows a fresh "last used"."""
    factor = select(DeliveryCode.authenticator_id).where(DeliveryCode.id == code_id)
    db.execute(update(Authenticator).where(Authenticator.id == factor.scalar_subquery())
               .values(last_used_at=now))
