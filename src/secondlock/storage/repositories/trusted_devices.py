"""Remembered devices and the tokens they were given."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from secondlock.storage.orm import TrustedDevice, TrustedDeviceToken


@dataclass(frozen=True)
class TokenMatch:
    device: TrustedDevice
    #: False when the token was already replaced by a newer one (a copy being replayed).
    current: bool


class TrustedDevices:
    def __init__(self, db: Session) -> None:
        self.db = db

    def add(self, device: TrustedDevice, token_hash: bytes) -> None:
        self.db.add(device)
        self.db.flush()
        self.db.add(TrustedDeviceToken(token_hash=token_hash, device_id=device.id))
        self.db.flush()

    def match(self, token_hash: bytes) -> TokenMatch | None:
        row = self.db.execute(
            select(TrustedDevice, TrustedDeviceToken.retired_at)
            .join(TrustedDeviceToken, TrustedDeviceToken.device_id == TrustedDevice.id)
            .where(TrustedDeviceToken.token_hash == token_hash)).first()
        if row is None:
            return None
        return TokenMatch(device=row[0], current=row[1] is None)

    def rotate(self, device_id: str, old_hash: bytes, new_hash: bytes, now: datetime) -> bool:
        """Retire ``old_hash`` and give the device ``new_hash``; False when a parallel
        request retired it first (compare-and-set: one of two racing uses wins)."""
        retired = self.db.execute(
            update(TrustedDeviceToken)
            .where(TrustedDeviceToken.token_hash == old_hash,
                   TrustedDeviceToken.retired_at.is_(None))
            .values(retired_at=now))
        if not retired.rowcount:  # type: ignore[attr-defined]
            return False
        self.db.add(TrustedDeviceToken(token_hash=new_hash, device_id=device_id))
        self.db.execute(update(TrustedDevice).where(TrustedDevice.id == device_id)
                        .values(last_used_at=now))
        self.db.flush()
        return True

    def for_account(self, account_id: str, now: datetime) -> list[TrustedDevice]:
        return list(self.db.scalars(
            select(TrustedDevice)
            .where(TrustedDevice.account_id == account_id, TrustedDevice.expires_at > now)
            .order_by(TrustedDevice.last_used_at.desc())))

    def delete(self, device_id: str, *, account_id: str) -> bool:
        result = self.db.execute(delete(TrustedDevice).where(
            TrustedDevice.id == device_id, TrustedDevice.account_id == account_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def delete_all(self, account_id: str) -> int:
        result = self.db.execute(delete(TrustedDevice).where(
            TrustedDevice.account_id == account_id))
        return int(result.rowcount)  # type: ignore[attr-defined]

    def delete_expired(self, now: datetime) -> int:
        result = self.db.execute(delete(TrustedDevice).where(TrustedDevice.expires_at <= now))
        return int(result.rowcount)  # type: ignore[attr-defined]
