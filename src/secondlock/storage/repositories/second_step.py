"""The second sign-in step's statements: precompiled Core, no ORM entities (#17).

A wrong code is the hot path of a guessing attack, so its transaction is a handful of
statements compiled once: one SELECT reads the pending sign-in, the account's lock and the
factors of the method together; the outcome is one UPDATE of the pending sign-in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update

from secondlock.storage.orm import Authenticator, MfaChallenge, Throttle
from secondlock.storage.precompiled import Precompiled, Transaction, as_utc


@dataclass(frozen=True)
class StoredSecret:
    """One confirmed authenticator of the method: its sealed secret and last used step."""

    row_id: str
    key_id: str | None
    blob: bytes | None
    last_step: int | None


@dataclass(frozen=True)
class PendingRead:
    """A pending sign-in with what checking its code needs."""

    id: str
    account_id: str
    expires_at: datetime
    used: bool
    #: Whether the owner was told of this pending sign-in's wrong codes already.
    alerted: bool
    #: The account's second-step lock (its throttle row), when it has one.
    locked_until: datetime | None
    refused: int
    refused_since: datetime | None
    refused_until: datetime | None
    factors: tuple[StoredSecret, ...]


_READ = Precompiled(
    select(MfaChallenge.id, MfaChallenge.account_id, MfaChallenge.expires_at,
           MfaChallenge.used_at, Throttle.locked_until, Throttle.refused, Throttle.refused_since,
           Throttle.refused_until, Authenticator.id, Authenticator.secret_key_id,
           Authenticator.secret_blob, Authenticator.last_used_step, MfaChallenge.alerted)
    .select_from(MfaChallenge)
    .outerjoin(Throttle, Throttle.key == bindparam("key_prefix") + MfaChallenge.account_id)
    .outerjoin(Authenticator, and_(Authenticator.account_id == MfaChallenge.account_id,
                                   Authenticator.type == bindparam("factor_type"),
                                   Authenticator.confirmed_at.is_not(None)))
    .where(MfaChallenge.token_hash == bindparam("token_hash"))
    .order_by(Authenticator.created_at))

_COUNT_FAILURE = Precompiled(
    update(MfaChallenge).where(MfaChallenge.id == bindparam("pending_id"))
    .values(failed_attempts=MfaChallenge.failed_attempts + 1)
    .returning(MfaChallenge.failed_attempts))

_MARK_ALERTED = Precompiled(
    update(MfaChallenge).where(MfaChallenge.id == bindparam("pending_id"),
                               MfaChallenge.alerted.is_(False))
    .values(alerted=True))


class SecondStepRows:
    def __init__(self, db: Transaction) -> None:
        self.db = db

    def read(self, token_hash: bytes, *, lock_key_prefix: str,
             factor_type: str) -> PendingRead | None:
        """The pending sign-in of ``token_hash``, its account's lock (the throttle row
        ``lock_key_prefix + account_id``) and confirmed factors of ``factor_type``."""
        rows: Sequence[Any] = _READ.execute(self.db.connection(), token_hash=token_hash,
                             key_prefix=lock_key_prefix, factor_type=factor_type).all()
        if not rows:
            return None
        first = rows[0]
        expires_at, locked_until = as_utc(first[2]), as_utc(first[4])
        assert expires_at is not None
        factors = tuple(StoredSecret(row[8], row[9], row[10], row[11]) for row in rows
                        if row[8] is not None)
        return PendingRead(id=first[0], account_id=first[1], expires_at=expires_at,
                           used=first[3] is not None, alerted=bool(first[12]),
                           locked_until=locked_until,
                           refused=int(first[5] or 0), refused_since=as_utc(first[6]),
                           refused_until=as_utc(first[7]), factors=factors)

    def count_failure(self, pending_id: str) -> int:
        """One more wrong code for this pending sign-in; the new count."""
        value = _COUNT_FAILURE.execute(self.db.connection(), pending_id=pending_id).scalar()
        return int(value or 0)

    def mark_alerted(self, pending_id: str) -> bool:
        """True once per pending sign-in: whoever flips the flag sends the alert."""
        result = _MARK_ALERTED.execute(self.db.connection(), pending_id=pending_id)
        return bool(result.rowcount)
