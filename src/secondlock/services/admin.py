"""Operator actions (the admin CLI). Never reveals or sets secrets; every action is recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from secondlock.core.i18n import msg
from secondlock.core.places import describe_place
from secondlock.core.request_info import RequestInfo
from secondlock.services.accounts import account_by_email
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.password_attempts import LOGIN_SCOPE
from secondlock.services.recovery import RecoveryView
from secondlock.services.recovery_admin import RecoveryAdmin
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import mfa_key
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.services.throttling import account_key
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.orm import Account
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    MfaChallenges,
    RecoveryCodes,
    Sessions,
    Throttles,
)
from secondlock.storage.repositories.places import SignInCountries


@dataclass(frozen=True)
class FactorInfo:
    type: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    confirmed: bool


@dataclass(frozen=True)
class AccountReport:
    id: str
    email: str
    created_at: datetime
    email_verified: bool
    mfa_enabled_at: datetime | None
    factors: list[FactorInfo]
    recovery_codes_remaining: int
    active_sessions: int
    second_step_failures: int
    second_step_locked_until: datetime | None
    #: (when, event, success, reason, IP, place in English or "")
    recent_activity: list[tuple[datetime, str, bool, str | None, str, str]]
    #: The pending recovery (issue #15), else the latest one; None when there never was one.
    recovery: RecoveryView | None = None
    #: Countries the account has signed in from, first one first (issue #16).
    countries: list[str] = field(default_factory=list)


class AdminService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _account(self, email: str) -> Account:
        return account_by_email(self.rt, email)

    def show(self, email: str) -> AccountReport:
        account = self._account(email)
        with self.rt.db.read() as s:
            factors = [FactorInfo(r.type, r.name, r.created_at, r.last_used_at,
                                  r.confirmed_at is not None)
                       for r in Authenticators(s).for_account(account.id)]
            throttle = Throttles(s).get(mfa_key(account.id))
            activity = [(e.at, e.event, e.success, e.reason, e.ip,
                         str(describe_place(self.rt.places.locate(e.ip)) or ""))
                        for e in Activity(s).for_account(account.id, limit=10)]
            return AccountReport(
                id=account.id, email=account.email, created_at=account.created_at,
                email_verified=account.email_verified_at is not None,
                mfa_enabled_at=account.mfa_enabled_at, factors=factors,
                recovery_codes_remaining=RecoveryCodes(s).remaining(account.id),
                active_sessions=len(Sessions(s).for_account(account.id)),
                second_step_failures=throttle.failures if throttle else 0,
                second_step_locked_until=throttle.locked_until if throttle else None,
                recent_activity=activity,
                recovery=RecoveryAdmin(self.rt).of_account(account.id),
                countries=SignInCountries(s).for_account(account.id))

    def reset_2fa(self, email: str, *, reason: str, operator: str, info: RequestInfo) -> None:
        """Remove every factor and code and end every session, after an identity check."""
        if not reason.strip():
            raise ValueError("a reason is required")
        account = self._account(email)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            Authenticators(s).delete_all(account.id)
            RecoveryCodes(s).delete_all(account.id)
            MfaChallenges(s).delete_for_account(account.id)
            Accounts(s).set_mfa_enabled(account.id, None)
            Sessions(s).delete_others(account.id, keep_id=None)
            forget_all_devices(s, account.id)
            Throttles(s).reset(mfa_key(account.id))
            Activity(s).add(event(at=now, name="admin_reset_2fa", info=info, success=True,
                                  account_id=account.id,
                                  detail=f"operator={operator[:64]}; reason={reason[:400]}"))
            emit_event(self.rt, s, "staff.action", account_id=account.id, info=info, at=now,
                       action="reset_2fa")
            emit_event(self.rt, s, "mfa.disabled", account_id=account.id, info=info, at=now)
            queue_notice(
                s, self.rt, to=account.email, kind="admin_reset_2fa", at=now, info=info,
                subject=msg("two-factor authentication was reset by support"),
                headline=msg("Support removed the two-factor authentication of your account."),
                details=[msg("This happens after you asked for help and proved who you are. "
                             "All devices were signed out. Sign in with your password and "
                             "turn two-factor authentication on again.")])
            s.commit()

    def sign_out(self, email: str, *, reason: str, operator: str, info: RequestInfo,
                 require_new_password: bool = False) -> int:
        """End every session and pending sign-in and forget every remembered device (a
        reported takeover); optionally ask for a new password at the next sign-in. Returns
        how many sessions and devices ended."""
        if not reason.strip():
            raise ValueError("a reason is required")
        account = self._account(email)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            ended = sign_out_everywhere(s, account.id, now=now)
            if require_new_password:
                Accounts(s).require_password_change(account.id)
            Activity(s).add(event(at=now, name="admin_sign_out", info=info, success=True,
                                  account_id=account.id,
                                  detail=f"operator={operator[:64]}; reason={reason[:400]}; "
                                         f"{ended.detail}"))
            details = [msg("Every device was signed out and no device is remembered any more.")]
            if require_new_password:
                details.append(msg("At your next sign-in you will choose a new password."))
            emit_event(self.rt, s, "staff.action", account_id=account.id, info=info, at=now,
                       action="sign_out")
            queue_notice(s, self.rt, to=account.email, kind="admin_sign_out", at=now,
                         info=info, subject=msg("support signed you out everywhere"),
                         headline=msg("Support signed your account out of every device."),
                         details=details)
            s.commit()
        return ended.sessions + ended.devices

    def unlock(self, email: str, *, operator: str, info: RequestInfo) -> None:
        """Lift the sign-in locks (password and second step) of one account."""
        account = self._account(email)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            throttles = Throttles(s)
            throttles.reset(mfa_key(account.id))
            throttles.reset(account_key(self.rt.secret_key, LOGIN_SCOPE, account.email))
            Activity(s).add(event(at=now, name="admin_unlock", info=info, success=True,
                                  account_id=account.id, detail=f"operator={operator[:64]}"))
            s.commit()
