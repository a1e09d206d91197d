"""Queries and writes of the OpenID Connect provider (never commits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm_oidc import (
    OidcClient,
    OidcCode,
    OidcConsent,
    OidcSigningKey,
    OidcToken,
)


def _count(result: object) -> int:
    return int(result.rowcount)  # type: ignore[attr-defined]


class OidcClients:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: OidcClient) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, client_id: str) -> OidcClient | None:
        return self.db.get(OidcClient, client_id)

    def all(self) -> list[OidcClient]:
        return list(self.db.scalars(select(OidcClient).order_by(OidcClient.created_at)))

    def delete(self, client_id: str) -> bool:
        return bool(_count(self.db.execute(delete(OidcClient).where(OidcClient.id == client_id))))

    def set_require_mfa(self, client_id: str, value: bool) -> bool:
        return bool(_count(self.db.execute(update(OidcClient).where(
            OidcClient.id == client_id).values(require_mfa=value))))


class OidcCodes:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: OidcCode) -> None:
        self.db.add(row)
        self.db.flush()

    def get(self, code_hash: bytes) -> OidcCode | None:
        return self.db.get(OidcCode, code_hash)

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        return self.db.scalars(select(OidcCode.code_hash).where(
            OidcCode.client_id == client_id, OidcCode.nonce == nonce).limit(1)).first() is not None

    def claim(self, code_hash: bytes, client_id: str, now: datetime) -> bool:
        """Mark the code used, atomically: of two parallel redemptions only one wins."""
        result = self.db.execute(
            update(OidcCode)
            .where(OidcCode.code_hash == code_hash, OidcCode.client_id == client_id,
                   OidcCode.used_at.is_(None), OidcCode.expires_at > now)
            .values(used_at=now))
        return _count(result) == 1

    def delete_expired(self, now: datetime) -> int:
        return _count(self.db.execute(delete(OidcCode).where(OidcCode.expires_at <= now)))


class OidcTokens:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: OidcToken) -> None:
        self.db.add(row)
        self.db.flush()

    def by_access_hash(self, token_hash: bytes) -> OidcToken | None:
        return self.db.scalars(
            select(OidcToken).where(OidcToken.access_token_hash == token_hash)).first()

    def by_refresh_hash(self, token_hash: bytes) -> OidcToken | None:
        return self.db.scalars(
            select(OidcToken).where(OidcToken.refresh_token_hash == token_hash)).first()

    def claim_refresh(self, token_id: str, now: datetime) -> bool:
        """Mark a refresh token rotated, atomically; False when it already was (a replay)."""
        result = self.db.execute(
            update(OidcToken)
            .where(OidcToken.id == token_id, OidcToken.rotated_at.is_(None),
                   OidcToken.revoked_at.is_(None), OidcToken.refresh_expires_at > now)
            .values(rotated_at=now))
        return _count(result) == 1

    def revoke_family(self, family_id: str, now: datetime) -> int:
        return _count(self.db.execute(
            update(OidcToken).where(OidcToken.family_id == family_id,
                                    OidcToken.revoked_at.is_(None)).values(revoked_at=now)))

    def revoke_from_code(self, code_hash: bytes, now: datetime) -> int:
        families = select(OidcToken.family_id).where(OidcToken.code_hash == code_hash)
        return _count(self.db.execute(
            update(OidcToken).where(OidcToken.family_id.in_(families),
                                    OidcToken.revoked_at.is_(None)).values(revoked_at=now)))

    def live_client_ids(self, account_id: str, now: datetime) -> set[str]:
        """Clients holding a token of the account that still works or can be refreshed."""
        return set(self.db.scalars(select(OidcToken.client_id).where(
            OidcToken.account_id == account_id, OidcToken.revoked_at.is_(None),
            or_(OidcToken.access_expires_at > now,
                (OidcToken.rotated_at.is_(None)) & (OidcToken.refresh_expires_at > now)))))

    def revoke_client(self, account_id: str, client_id: str, now: datetime) -> int:
        return _count(self.db.execute(
            update(OidcToken).where(OidcToken.account_id == account_id,
                                    OidcToken.client_id == client_id,
                                    OidcToken.revoked_at.is_(None)).values(revoked_at=now)))

    def revoke_account(self, account_id: str, now: datetime) -> int:
        return _count(self.db.execute(
            update(OidcToken).where(OidcToken.account_id == account_id,
                                    OidcToken.revoked_at.is_(None)).values(revoked_at=now)))

    def delete_expired(self, now: datetime) -> int:
        return _count(self.db.execute(delete(OidcToken).where(
            OidcToken.refresh_expires_at <= now, OidcToken.access_expires_at <= now)))


class OidcConsents:
    def __init__(self, db: Session) -> None:
        self.db = db

    def get(self, account_id: str, client_id: str) -> OidcConsent | None:
        return self.db.get(OidcConsent, (account_id, client_id))

    def for_account(self, account_id: str) -> list[OidcConsent]:
        return list(self.db.scalars(select(OidcConsent).where(
            OidcConsent.account_id == account_id)))

    def delete(self, account_id: str, client_id: str) -> bool:
        return bool(_count(self.db.execute(delete(OidcConsent).where(
            OidcConsent.account_id == account_id, OidcConsent.client_id == client_id))))

    def grant(self, account_id: str, client_id: str, scope: str, now: datetime) -> None:
        row = self.get(account_id, client_id)
        if row is None:
            self.db.add(OidcConsent(account_id=account_id, client_id=client_id, scope=scope,
                                    granted_at=now))
        else:
            row.scope = " ".join(sorted(set(row.scope.split()) | set(scope.split())))
            row.granted_at = now
        self.db.flush()


class OidcSigningKeys:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, row: OidcSigningKey) -> None:
        self.db.add(row)
        self.db.flush()

    def all(self) -> list[OidcSigningKey]:
        return list(self.db.scalars(select(OidcSigningKey)))

    def active(self) -> OidcSigningKey | None:
        return self.db.scalars(
            select(OidcSigningKey).where(OidcSigningKey.retired_at.is_(None))
            .order_by(OidcSigningKey.created_at.desc(), OidcSigningKey.kid)).first()

    def published(self, now: datetime) -> list[OidcSigningKey]:
        return list(self.db.scalars(
            select(OidcSigningKey).where(or_(OidcSigningKey.publish_until.is_(None),
                                             OidcSigningKey.publish_until > now))
            .order_by(OidcSigningKey.retired_at.is_not(None), OidcSigningKey.created_at.desc())))

    def retire_all(self, now: datetime, publish_until: datetime) -> int:
        return _count(self.db.execute(
            update(OidcSigningKey).where(OidcSigningKey.retired_at.is_(None))
            .values(retired_at=now, publish_until=publish_until)))

    def delete_unpublished(self, now: datetime) -> int:
        return _count(self.db.execute(delete(OidcSigningKey).where(
            OidcSigningKey.publish_until.is_not(None), OidcSigningKey.publish_until <= now)))
