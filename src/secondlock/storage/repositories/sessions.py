"""Sessions, and the one-SELECT view a request needs of its session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from secondlock.core.views import SessionView
from secondlock.storage.orm import (
    Account,
)
from secondlock.storage.orm import Session as SessionRow

SESSION_VIEW = select(
    SessionRow.id, SessionRow.account_id, Account.email, SessionRow.created_at,
    SessionRow.last_seen_at, SessionRow.expires_at, SessionRow.auth_time, SessionRow.amr,
    Account.email_verified_at.is_not(None), Account.mfa_enabled_at.is_not(None),
    Account.password_change_required, Account.enrollment_started_at,
).join(Account, Account.id == SessionRow.account_id)


class Sessions:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: SessionRow) -> None:
        self.db.add(row)
        self.db.flush()

    def view_by_token_hash(self, token_hash: bytes) -> SessionView | None:
        row = self.db.execute(SESSION_VIEW.where(SessionRow.token_hash == token_hash)).first()
        if row is None:
            return None
        (session_id, account_id, email, created_at, last_seen_at, expires_at, auth_time, amr,
         verified, mfa, change_password, enrollment_started_at) = tuple(row)
        return SessionView(session_id, account_id, email, created_at, last_seen_at, expires_at,
                           auth_time, amr, bool(verified), bool(mfa), bool(change_password),
                           enrollment_started_at)

    def touch(self, session_id: str, at: datetime) -> None:
        self.db.execute(update(SessionRow).where(SessionRow.id == session_id)
                        .values(last_seen_at=at))

    def for_account(self, account_id: str) -> list[SessionRow]:
        return list(self.db.scalars(
            select(SessionRow).where(SessionRow.account_id == account_id)
            .order_by(SessionRow.last_seen_at.desc())
        ))

    def delete(self, session_id: str, *, account_id: str | None = None) -> bool:
        stmt = delete(SessionRow).where(SessionRow.id == session_id)
        if account_id is not None:
            stmt = stmt.where(SessionRow.account_id == account_id)
        return bool(self.db.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def replace_token(self, session_id: str, token_hash: bytes) -> bool:
        """Give the session a new token; the old one stops working at once."""
        result = self.db.execute(update(SessionRow).where(SessionRow.id == session_id)
                                 .values(token_hash=token_hash))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_others(self, account_id: str, keep_id: str | None) -> int:
        stmt = delete(SessionRow).where(SessionRow.account_id == account_id)
        if keep_id is not None:
            stmt = stmt.where(SessionRow.id != keep_id)
        return int(self.db.execute(stmt).rowcount)  # type: ignore[attr-defined]

    def mark_second_factor(self, session_id: str, amr: str, at: datetime) -> None:
        """The session just proved a second factor: record how, and when."""
        self.db.execute(update(SessionRow).where(SessionRow.id == session_id)
                        .values(amr=amr, auth_time=at, last_seen_at=at))

    def set_auth_time(self, session_id: str, at: datetime) -> None:
        self.db.execute(update(SessionRow).where(SessionRow.id == session_id)
                        .values(auth_time=at, last_seen_at=at))

    def delete_expired(self, now: datetime, idle_cutoff: datetime) -> int:
        result = self.db.execute(delete(SessionRow).where(
            (SessionRow.expires_at <= now) | (SessionRow.last_seen_at <= idle_cutoff)))
        return int(result.rowcount)  # type: ignore[attr-defined]
