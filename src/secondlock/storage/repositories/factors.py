"""Second factors: authenticators, recovery codes and pending second steps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import (
    Authenticator,
    MfaChallenge,
    RecoveryCode,
)


class Authenticators:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: Authenticator) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, account_id: str, authenticator_id: str) -> Authenticator | None:
        """Only the account's own authenticator: another account's id is simply not found."""
        return self.db.scalars(select(Authenticator).where(
            Authenticator.id == authenticator_id, Authenticator.account_id == account_id)).first()

    def for_account(self, account_id: str, *, confirmed_only: bool = False,
                    type_: str | None = None) -> list[Authenticator]:
        stmt = select(Authenticator).where(Authenticator.account_id == account_id)
        if confirmed_only:
            stmt = stmt.where(Authenticator.confirmed_at.is_not(None))
        if type_ is not None:
            stmt = stmt.where(Authenticator.type == type_)
        return list(self.db.scalars(stmt.order_by(Authenticator.created_at)))

    def confirmed_types(self, account_id: str) -> list[str]:
        return list(self.db.scalars(
            select(Authenticator.type).where(Authenticator.account_id == account_id,
                                             Authenticator.confirmed_at.is_not(None))
            .distinct()))

    def claim_step(self, authenticator_id: str, step: int, now: datetime, *,
                   confirm: bool = False) -> bool:
        """Compare-and-set the last used TOTP step: True for exactly one caller per step."""
        values: dict[str, object] = {"last_used_step": step, "last_used_at": now}
        stmt = update(Authenticator).where(
            Authenticator.id == authenticator_id,
            Authenticator.last_used_step.is_(None) | (Authenticator.last_used_step < step))
        if confirm:
            values.update(confirmed_at=now, pending_expires_at=None)
            stmt = stmt.where(Authenticator.confirmed_at.is_(None))
        else:
            stmt = stmt.where(Authenticator.confirmed_at.is_not(None))
        return bool(self.db.execute(stmt.values(**values)).rowcount)  # type: ignore[attr-defined]

    def rename(self, authenticator_id: str, name: str) -> None:
        self.db.execute(update(Authenticator).where(Authenticator.id == authenticator_id)
                        .values(name=name))

    def delete(self, account_id: str, authenticator_id: str) -> bool:
        result = self.db.execute(delete(Authenticator).where(
            Authenticator.id == authenticator_id, Authenticator.account_id == account_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_all(self, account_id: str) -> int:
        result = self.db.execute(delete(Authenticator).where(
            Authenticator.account_id == account_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def delete_expired_pending(self, account_id: str, now: datetime) -> None:
        self.db.execute(delete(Authenticator).where(
            Authenticator.account_id == account_id, Authenticator.confirmed_at.is_(None),
            Authenticator.pending_expires_at <= now))

    def count_pending(self, account_id: str) -> int:
        return int(self.db.scalar(select(func.count(Authenticator.id)).where(
            Authenticator.account_id == account_id,
            Authenticator.confirmed_at.is_(None))) or 0)

    def all_sealed(self) -> list[Authenticator]:
        return list(self.db.scalars(select(Authenticator).where(
            Authenticator.secret_blob.is_not(None))))


class RecoveryCodes:
    def __init__(self, db: Session) -> None:
        self.db = db

    def replace(self, account_id: str, rows: list[RecoveryCode]) -> None:
        """Void the old set and store the new one, in the caller's transaction."""
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
        self.db.add_all(rows)

    def unused(self, account_id: str) -> list[RecoveryCode]:
        return list(self.db.scalars(select(RecoveryCode).where(
            RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))))

    def remaining(self, account_id: str) -> int:
        return int(self.db.scalar(select(func.count(RecoveryCode.id)).where(
            RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))) or 0)

    def consume(self, code_id: str, account_id: str, now: datetime) -> bool:
        """Mark one code used: one conditional UPDATE, so it works exactly once (RC-3)."""
        result = self.db.execute(update(RecoveryCode).where(
            RecoveryCode.id == code_id, RecoveryCode.account_id == account_id,
            RecoveryCode.used_at.is_(None)).values(used_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_all(self, account_id: str) -> None:
        self.db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))


class MfaChallenges:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: MfaChallenge) -> None:
        self.db.add(row)
        self.db.flush()

    def by_token_hash(self, token_hash: bytes) -> MfaChallenge | None:
        return self.db.scalars(select(MfaChallenge).where(
            MfaChallenge.token_hash == token_hash)).first()

    def consume(self, challenge_id: str, now: datetime) -> bool:
        """Use the pending sign-in once: True for exactly one caller, while it is fresh."""
        result = self.db.execute(update(MfaChallenge).where(
            MfaChallenge.id == challenge_id, MfaChallenge.used_at.is_(None),
            MfaChallenge.expires_at > now).values(used_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def count_failure(self, challenge_id: str) -> int:
        result = self.db.execute(update(MfaChallenge).where(MfaChallenge.id == challenge_id)
                                 .values(failed_attempts=MfaChallenge.failed_attempts + 1)
                                 .returning(MfaChallenge.failed_attempts))
        return int(result.scalar_one_or_none() or 0)

    def mark_alerted(self, challenge_id: str) -> bool:
        """True once per challenge: whoever flips the flag sends the alert."""
        result = self.db.execute(update(MfaChallenge).where(
            MfaChallenge.id == challenge_id, MfaChallenge.alerted.is_(False))
            .values(alerted=True))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_for_account(self, account_id: str) -> None:
        self.db.execute(delete(MfaChallenge).where(MfaChallenge.account_id == account_id))

    def delete_expired(self, now: datetime) -> int:
        """Pending sign-ins past their 5 minutes (finished or not)."""
        result = self.db.execute(delete(MfaChallenge).where(MfaChallenge.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
