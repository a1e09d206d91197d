"""Accounts and the single-use tokens mailed to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import (
    Account,
    AccountToken,
)


class Accounts:
    def __init__(self, db: Session) -> None:
        self.db = db

    def by_email(self, email: str) -> Account | None:
        return self.db.scalars(select(Account).where(Account.email == email)).first()

    def get(self, account_id: str) -> Account | None:
        return self.db.get(Account, account_id)

    def add(self, account: Account) -> None:
        self.db.add(account)
        self.db.flush()

    def set_mfa_enabled(self, account_id: str, at: datetime | None) -> None:
        self.db.execute(update(Account).where(Account.id == account_id)
                        .values(mfa_enabled_at=at))

    def set_password_blocklisted(self, account_id: str, blocklisted: bool) -> None:
        self.db.execute(update(Account).where(Account.id == account_id)
                        .values(password_blocklisted=blocklisted))

    def require_password_change(self, account_id: str) -> None:
        self.db.execute(update(Account).where(Account.id == account_id)
                        .values(password_change_required=True))

    def count_by_mfa(self) -> tuple[int, int]:
        """(accounts with a second factor, accounts without one)."""
        on = func.count(Account.mfa_enabled_at)
        total, with_mfa = self.db.execute(select(func.count(Account.id), on)).one()
        return int(with_mfa or 0), int((total or 0) - (with_mfa or 0))

    def without_mfa(self, *, limit: int = 10_000) -> list[tuple[str, datetime,
                                                               datetime | None]]:
        """(email, created, grace period start) of accounts without a second factor."""
        rows = self.db.execute(select(Account.email, Account.created_at,
                                      Account.enrollment_started_at)
                               .where(Account.mfa_enabled_at.is_(None))
                               .order_by(Account.created_at).limit(limit))
        return [(email, created, started) for email, created, started in rows]

    def start_enrollment(self, account_id: str, at: datetime) -> datetime | None:
        """Start the account's grace period to add a factor, unless it started already;
        returns when it started."""
        self.db.execute(update(Account).where(Account.id == account_id,
                                              Account.enrollment_started_at.is_(None))
                        .values(enrollment_started_at=at))
        return self.db.scalar(select(Account.enrollment_started_at)
                              .where(Account.id == account_id))

    def set_devices_reviewed(self, account_id: str, at: datetime) -> None:
        self.db.execute(update(Account).where(Account.id == account_id)
                        .values(devices_reviewed_at=at))

    def set_password_hash(self, account_id: str, password_hash: str) -> None:
        self.db.execute(update(Account).where(Account.id == account_id)
                        .values(password_hash=password_hash))


class Tokens:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, token: AccountToken) -> None:
        self.db.add(token)

    def find(self, token_hash: bytes, purpose: str) -> AccountToken | None:
        """The token with this hash and purpose, live or not (the caller checks)."""
        return self.db.scalars(select(AccountToken).where(
            AccountToken.token_hash == token_hash, AccountToken.purpose == purpose)).first()

    def delete_expired(self, now: datetime) -> int:
        """Mailed links past their expiry (used or not): they can never work again."""
        result = self.db.execute(delete(AccountToken).where(AccountToken.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def consume(self, token_hash: bytes, purpose: str, now: datetime) -> str | None:
        """Mark a live token used and return its account id; None when unusable.

        One conditional UPDATE, so a token works once even when sent twice at once.
        """
        result = self.db.execute(
            update(AccountToken)
            .where(AccountToken.token_hash == token_hash, AccountToken.purpose == purpose,
                   AccountToken.used_at.is_(None), AccountToken.expires_at > now)
            .values(used_at=now)
            .returning(AccountToken.account_id)
        )
        return result.scalar_one_or_none()
