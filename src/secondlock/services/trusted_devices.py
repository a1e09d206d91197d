"""Remembered devices: "don't ask for a code on this device for 30 days", done safely.

A remembered device only skips the code after the correct password of the same account; its
token is random, stored hashed, replaced at every use, and an old token seen again (a copied
cookie) forgets the device and warns the owner. Sessions it opens are single-factor ("pwd"),
so sensitive changes still ask for a factor. Every factor change, recovery-code use, password
change or reset, 2FA reset and "this wasn't me" forgets all of an account's devices.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.errors import NotFoundError
from secondlock.core.i18n import Msg, msg
from secondlock.core.places import Place, describe_place
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import TrustedDevice
from secondlock.storage.repositories import Accounts, Activity, TrustedDevices

MAX_TOKEN_LENGTH = 256


@dataclass(frozen=True)
class DeviceUse:
    """What presenting a remembered-device token came to."""

    outcome: Literal["skip", "ask", "replayed"]
    #: The replacement token, to hand back to the device (outcome "skip").
    token: str | None = None
    #: The owner of a device whose old token was replayed (to be warned after the commit).
    replayed_account_id: str | None = None


@dataclass(frozen=True)
class RememberedDevice:
    id: str
    device: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    #: Where it was last used from (issue #16).
    place: Place | None = None
    place_name: Msg | None = None


def remember_device(s: DbSession, *, account_id: str, info: RequestInfo, now: datetime,
                    days: int) -> str:
    """Remember the device inside the caller's transaction; returns its first token."""
    token = new_token()
    device = TrustedDevice(id=str(uuid.uuid4()), account_id=account_id, created_at=now,
                           last_used_at=now, expires_at=now + timedelta(days=days),
                           ip=info.ip, user_agent=info.user_agent)
    TrustedDevices(s).add(device, hash_token(token))
    Activity(s).add(event(at=now, name="trusted_device_added", info=info, success=True,
                          account_id=account_id))
    return token


def use_device(s: DbSession, *, account_id: str, token: str | None, info: RequestInfo,
               now: datetime) -> DeviceUse:
    """Check a token after a correct password for ``account_id`` (caller's transaction)."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return DeviceUse("ask")
    repo = TrustedDevices(s)
    old_hash = hash_token(token)
    match = repo.match(old_hash)
    if match is None:
        return DeviceUse("ask")
    device = match.device
    if not match.current:
        # A token that was already replaced: someone kept a copy. Forget the device,
        # whichever account is signing in now.
        repo.delete(device.id, account_id=device.account_id)
        Activity(s).add(event(at=now, name="trusted_device_replayed", info=info,
                              success=False, account_id=device.account_id))
        return DeviceUse("replayed", replayed_account_id=device.account_id)
    if device.account_id != account_id or device.expires_at <= now:
        return DeviceUse("ask")  # never for another account; expiry is the server's
    fresh = new_token()
    if not repo.rotate(device.id, old_hash, hash_token(fresh), now):
        return DeviceUse("ask")  # a parallel sign-in used it first: ask for the code
    return DeviceUse("skip", token=fresh)


def forget_all_devices(s: DbSession, account_id: str) -> int:
    """Forget every remembered device of the account (caller's transaction)."""
    return TrustedDevices(s).delete_all(account_id)


def warn_replay(s: DbSession, rt: Runtime, account_id: str, info: RequestInfo) -> None:
    """Mail the owner of a device whose old token came back (queued in the transaction that
    forgot the device)."""
    account = Accounts(s).get(account_id)
    if account is None:
        return
    queue_notice(s, rt, to=account.email, kind="trusted_device_replayed", at=rt.clock.now(),
                 info=info, subject=msg("a copy of a remembered device was used"),
                 headline=msg("Someone tried to sign in with an old copy of one of your "
                              "remembered devices."),
                 details=[msg("We forgot that device: it will ask for a code at the next "
                              "sign-in. If you did not copy your browser's data to another "
                              "computer, someone may have your cookies: sign out all other "
                              "devices and change your password.")])


class TrustedDeviceService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def list(self, account_id: str) -> list[RememberedDevice]:
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            rows = TrustedDevices(s).for_account(account_id, now)
        places = [self.rt.places.locate(r.ip) for r in rows]
        return [RememberedDevice(id=r.id, device=describe_device(r.user_agent), ip=r.ip,
                                 created_at=r.created_at, last_used_at=r.last_used_at,
                                 expires_at=r.expires_at, place=place,
                                 place_name=describe_place(place))
                for r, place in zip(rows, places, strict=True)]

    def revoke(self, view: SessionView, device_id: str, info: RequestInfo) -> None:
        """Forget one of the account's own devices; another account's id is not found."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            if not TrustedDevices(s).delete(device_id, account_id=view.account_id):
                raise NotFoundError(msg("No such remembered device."))
            Activity(s).add(event(at=now, name="trusted_device_revoked", info=info,
                                  success=True, account_id=view.account_id))
            s.commit()

    def revoke_all(self, view: SessionView, info: RequestInfo) -> int:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            count = forget_all_devices(s, view.account_id)
            if count:
                Activity(s).add(event(at=now, name="trusted_device_revoked", info=info,
                                      success=True, account_id=view.account_id,
                                      detail=f"count={count}"))
            s.commit()
        return count
