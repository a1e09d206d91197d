"""The support desk's reads: search, an account's detail and activity, the audit log.

Every read of an account lands in the audit log. Nothing here returns a secret, a code or a
full phone number: factors show their type and name, SMS and email factors a masked
destination.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.errors import SecondLockError
from secondlock.core.phones import mask_email, mask_phone, parse_phone
from secondlock.core.request_info import RequestInfo
from secondlock.core.staff import StaffAction
from secondlock.services.activity import ActivityPage, ActivityService
from secondlock.services.login import available_methods
from secondlock.services.password_attempts import LOGIN_SCOPE
from secondlock.services.recovery import view_of
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import mfa_key
from secondlock.services.staff import StaffActor
from secondlock.services.staff_audit import AuditEntry, allow, read_audit, record, target
from secondlock.services.throttling import account_key
from secondlock.storage.orm import Account
from secondlock.storage.repositories import (
    Activity,
    Authenticators,
    RecoveryCodes,
    Sessions,
    Throttles,
    TrustedDevices,
)
from secondlock.storage.repositories.recoveries import Recoveries
from secondlock.storage.repositories.sms_email_codes import Destinations
from secondlock.storage.repositories.staff import StaffAudit, search_accounts

MAX_RESULTS = 50


@dataclass(frozen=True)
class AccountSummary:
    id: str
    email: str
    mfa_enabled: bool
    methods: list[str]
    locked: bool
    created_at: datetime
    last_sign_in_at: datetime | None


@dataclass(frozen=True)
class FactorSummary:
    id: str
    type: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    confirmed: bool
    #: SMS and email factors: where codes go, masked ("+1 ••• ••• 2671").
    destination: str | None


@dataclass(frozen=True)
class SessionSummary:
    id: str
    created_at: datetime
    last_seen_at: datetime
    ip: str
    device: str
    amr: str


@dataclass(frozen=True)
class DeviceSummary:
    id: str
    device: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class AccountDetail:
    id: str
    email: str
    email_confirmed: bool
    mfa_enabled: bool
    created_at: datetime
    factors: list[FactorSummary]
    recovery_codes_remaining: int
    sessions: list[SessionSummary]
    trusted_devices: list[DeviceSummary]
    locked_until: datetime | None
    #: A pending recovery of the account (the recovery feature), None when there is none.
    recovery: dict[str, object] | None


class StaffDesk:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._activity = ActivityService(rt)

    def search(self, actor: StaffActor, query: str, info: RequestInfo) -> list[AccountSummary]:
        """Accounts whose email starts with ``query``, or with an SMS factor at that whole
        phone number."""
        allow(actor, StaffAction.SEARCH)
        query = query.strip()[:254]
        phone = _as_phone(query)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            accounts = search_accounts(s, email_prefix=query.lower(),
                                       phone=phone, limit=MAX_RESULTS)
            found = [self._summary(s, a, now) for a in accounts]
            record(s, actor, StaffAction.SEARCH, at=now, info=info)
            s.commit()
        return found

    def _summary(self, s: DbSession, account: Account, now: datetime) -> AccountSummary:
        last = Activity(s).last_sign_ins(account.id, limit=1)
        return AccountSummary(
            id=account.id, email=account.email, mfa_enabled=account.mfa_enabled_at is not None,
            methods=list(available_methods(s, account.id)),
            locked=self._locked_until(s, account, now) is not None,
            created_at=account.created_at, last_sign_in_at=last[0].at if last else None)

    def _locked_until(self, s: DbSession, account: Account, now: datetime) -> datetime | None:
        keys = [mfa_key(account.id), account_key(self.rt.secret_key, LOGIN_SCOPE, account.email)]
        locks = [lock for lock in Throttles(s).locks(keys) if lock > now]
        return max(locks) if locks else None

    def detail(self, actor: StaffActor, account_id: str, info: RequestInfo) -> AccountDetail:
        """Everything support needs to help, and never a secret. Audited."""
        allow(actor, StaffAction.VIEW_ACCOUNT)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account = target(s, actor, account_id, StaffAction.VIEW_ACCOUNT)
            found = self._detail(s, account, now)
            record(s, actor, StaffAction.VIEW_ACCOUNT, at=now, info=info, account_id=account.id)
            s.commit()
        return found

    def _detail(self, s: DbSession, account: Account, now: datetime) -> AccountDetail:
        rows = Authenticators(s).for_account(account.id)
        destinations = Destinations(s).of([r.id for r in rows])
        factors = [FactorSummary(r.id, r.type, r.name, r.created_at, r.last_used_at,
                                 r.confirmed_at is not None, _masked(destinations.get(r.id)))
                   for r in rows]
        idle = timedelta(minutes=self.rt.settings.session_idle_minutes)
        sessions = [SessionSummary(r.id, r.created_at, r.last_seen_at, r.ip,
                                   describe_device(r.user_agent), r.amr)
                    for r in Sessions(s).for_account(account.id)
                    if r.expires_at > now and now - r.last_seen_at < idle]
        devices = [DeviceSummary(d.id, describe_device(d.user_agent), d.ip, d.created_at,
                                 d.last_used_at, d.expires_at)
                   for d in TrustedDevices(s).for_account(account.id, now)]
        return AccountDetail(
            id=account.id, email=account.email,
            email_confirmed=account.email_verified_at is not None,
            mfa_enabled=account.mfa_enabled_at is not None, created_at=account.created_at,
            factors=factors, recovery_codes_remaining=RecoveryCodes(s).remaining(account.id),
            sessions=sessions, trusted_devices=devices,
            locked_until=self._locked_until(s, account, now),
            recovery=_pending_recovery(s, account, now))

    def activity(self, actor: StaffActor, account_id: str, info: RequestInfo, *,
                 before: int | None = None, limit: int = 50) -> ActivityPage:
        """The shopper's activity, as they see it. Audited."""
        allow(actor, StaffAction.VIEW_ACTIVITY)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            account = target(s, actor, account_id, StaffAction.VIEW_ACTIVITY)
            record(s, actor, StaffAction.VIEW_ACTIVITY, at=now, info=info,
                   account_id=account.id)
            s.commit()
        return self._activity.page(account.id, before=before, limit=limit)

    def audit(self, actor: StaffActor, info: RequestInfo, *, account_id: str | None = None,
              limit: int = 200) -> list[AuditEntry]:
        """The audit log, newest first (admins only). Reading it is audited too."""
        allow(actor, StaffAction.READ_AUDIT)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            entries = read_audit(s, account_id=account_id, limit=max(1, min(limit, 500)))
            record(s, actor, StaffAction.READ_AUDIT, at=now, info=info, account_id=account_id)
            s.commit()
        return entries

    def prune_audit(self) -> int:
        """For ``secondlock prune``: entries older than the audit's own retention."""
        cutoff = self.rt.clock.now() - timedelta(days=self.rt.settings.staff_audit_retention_days)
        total = 0
        while True:
            with self.rt.db.write() as s:
                deleted = StaffAudit(s).delete_before(cutoff)
                s.commit()
            total += deleted
            if not deleted:
                return total


def _as_phone(query: str) -> str | None:
    """The query as an E.164 number when it is a whole phone number, else None."""
    if not query or "@" in query or not any(c.isdigit() for c in query):
        return None
    if not all(c.isdigit() or c in "+-() ." for c in query):
        return None
    # "+" in an unencoded query string arrives as a space: digits alone mean E.164 too.
    text = query if query.startswith(("+", "00")) else "+" + query
    try:
        return parse_phone(text)
    except SecondLockError:
        return None


def _pending_recovery(s: DbSession, account: Account, now: datetime) -> dict[str, object] | None:
    """The account's recovery under way (lost every factor), as support needs to see it."""
    row = Recoveries(s).pending(account.id)
    if row is None:
        return None
    view = view_of(row, account.email, now)
    return {"status": view.status, "started_at": view.started_at, "ready_at": view.ready_at,
            "device": view.device, "ip": view.ip, "known_device": view.known_device}


def _masked(destination: str | None) -> str | None:
    if destination is None:
        return None
    return mask_email(destination) if "@" in destination else mask_phone(destination)
