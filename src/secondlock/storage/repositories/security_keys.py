"""WebAuthn credentials and challenges. Never commits: the service owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import Authenticator, WebAuthnChallenge, WebAuthnCredential


class WebAuthnCredentials:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: WebAuthnCredential) -> None:
        self.db.add(row)
        self.db.flush()

    def exists(self, credential_id: bytes) -> bool:
        return self.db.scalar(select(WebAuthnCredential.authenticator_id).where(
            WebAuthnCredential.credential_id == credential_id)) is not None

    def by_credential_id(self, credential_id: bytes
                         ) -> tuple[WebAuthnCredential, Authenticator] | None:
        """The credential and its (confirmed) authenticator row, whoever owns it."""
        row = self.db.execute(
            select(WebAuthnCredential, Authenticator)
            .join(Authenticator, Authenticator.id == WebAuthnCredential.authenticator_id)
            .where(WebAuthnCredential.credential_id == credential_id,
                   Authenticator.confirmed_at.is_not(None))).first()
        return (row[0], row[1]) if row else None

    def for_account(self, account_id: str) -> list[WebAuthnCredential]:
        return list(self.db.scalars(select(WebAuthnCredential).where(
            WebAuthnCredential.account_id == account_id)))

    def usable(self, account_id: str) -> list[WebAuthnCredential]:
        """The account's keys that may sign in: not flagged as possibly cloned."""
        return list(self.db.scalars(select(WebAuthnCredential).where(
            WebAuthnCredential.account_id == account_id,
            WebAuthnCredential.flagged_at.is_(None))))

    def has_usable(self, account_id: str) -> bool:
        return self.db.scalar(select(WebAuthnCredential.authenticator_id).where(
            WebAuthnCredential.account_id == account_id,
            WebAuthnCredential.flagged_at.is_(None)).limit(1)) is not None

    def advance(self, authenticator_id: str, *, stored: int, new: int, backup_state: bool,
                now: datetime) -> bool:
        """Compare-and-set the signature counter (WA-9): True for exactly one caller.

        A counting key must move forward past the stored value; a key that never counts
        (0 and 0) is left at 0. Either way the row must still hold ``stored`` and be unflagged.
        """
        condition = WebAuthnCredential.sign_count < new if new > 0 \
            else WebAuthnCredential.sign_count == 0
        result = self.db.execute(update(WebAuthnCredential).where(
            WebAuthnCredential.authenticator_id == authenticator_id,
            WebAuthnCredential.flagged_at.is_(None), condition)
            .values(sign_count=new, backup_state=backup_state))
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        self.db.execute(update(Authenticator).where(Authenticator.id == authenticator_id)
                        .values(last_used_at=now))
        return True

    def flag(self, authenticator_id: str, now: datetime) -> bool:
        """Mark a key as possibly cloned; True the first time only (who mails the owner)."""
        result = self.db.execute(update(WebAuthnCredential).where(
            WebAuthnCredential.authenticator_id == authenticator_id,
            WebAuthnCredential.flagged_at.is_(None)).values(flagged_at=now))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class WebAuthnChallenges:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: WebAuthnChallenge) -> None:
        # Expired challenges go as new ones come: the table holds minutes of traffic.
        self.db.execute(delete(WebAuthnChallenge).where(
            WebAuthnChallenge.expires_at <= row.created_at))
        self.db.add(row)
        self.db.flush()

    def delete_expired(self, now: datetime) -> int:
        result = self.db.execute(delete(WebAuthnChallenge).where(
            WebAuthnChallenge.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def count_live(self, purpose: str, ip_group: str, now: datetime) -> int:
        """Unexpired challenges of ``purpose`` started from one IP group."""
        return int(self.db.scalar(select(func.count(WebAuthnChallenge.id)).where(
            WebAuthnChallenge.ip_group == ip_group, WebAuthnChallenge.purpose == purpose,
            WebAuthnChallenge.expires_at > now)) or 0)

    def take(self, challenge_hash: bytes, purpose: str, now: datetime
             ) -> WebAuthnChallenge | None:
        """Use a challenge once, pass or fail (WA-1): the row if it was fresh and unused."""
        row = self.db.scalars(select(WebAuthnChallenge).where(
            WebAuthnChallenge.challenge_hash == challenge_hash,
            WebAuthnChallenge.purpose == purpose)).first()
        if row is None:
            return None
        result = self.db.execute(update(WebAuthnChallenge).where(
            WebAuthnChallenge.id == row.id, WebAuthnChallenge.used_at.is_(None),
            WebAuthnChallenge.expires_at > now).values(used_at=now))
        return row if result.rowcount else None  # type: ignore[attr-defined]
