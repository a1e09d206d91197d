"""Password-reset tokens (rows of account_tokens) and setting a new password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, literal, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import Account, AccountToken

RESET_PURPOSE = "password_reset"


class ResetTokens:
    """Single-use password-reset tokens; only their SHA-256 is stored."""

    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, *, token_hash: bytes, account_id: str, now: datetime,
            expires_at: datetime) -> None:
        self.db.add(AccountToken(token_hash=token_hash, account_id=account_id,
                                 purpose=RESET_PURPOSE, created_at=now, expires_at=expires_at))

    def find(self, token_hash: bytes) -> AccountToken | None:
        """The reset token with this hash, live or not (the caller checks)."""
        return self.db.scalars(select(AccountToken).where(
            AccountToken.token_hash == token_hash,
            AccountToken.purpose == RESET_PURPOSE)).first()

    def consume(self, token_hash: bytes, now: datetime) -> str | None:
        """Use a live token: one conditional UPDATE, so exactly one of two racing callers
        gets the account id; None for everyone else."""
        result = self.db.execute(
            update(AccountToken)
            .where(AccountToken.token_hash == token_hash,
                   AccountToken.purpose == RESET_PURPOSE,
                   AccountToken.used_at.is_(None), AccountToken.expires_at > now)
            .values(used_at=now)
            .returning(AccountToken.account_id))
        return result.scalar_one_or_none()

    def void_all(self, account_id: str, now: datetime) -> int:
        """Make every outstanding reset link of the account stop working."""
        result = self.db.execute(
            update(AccountToken)
            .where(AccountToken.account_id == account_id,
                   AccountToken.purpose == RESET_PURPOSE, AccountToken.used_at.is_(None))
            .values(used_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]


def store_password(db: Session, account_id: str, password_hash: str, now: datetime, *,
                   through_reset: bool) -> None:
    """Set a new password hash; clears a forced change ("this wasn't me")."""
    # A new password passed the blocklist, so the checkup's flag is cleared too.
    values: dict[str, object] = {"password_hash": password_hash, "password_changed_at": now,
                                 "password_change_required": False,
                                 "password_blocklisted": False}
    if through_reset:
        values["password_reset_at"] = now
        # The link came through the mailbox: that proves the address, as confirming would.
        values["email_verified_at"] = func.coalesce(
            Account.email_verified_at, literal(now, Account.__table__.c.email_verified_at.type))
    db.execute(update(Account).where(Account.id == account_id).values(**values))
