"""An account's second factors of every kind: list, confirm with a code, rename, remove, turn off.

Adding one is per method (``services.methods``); what they share (pending setups, names,
the confirmation back-off) is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core import totp
from secondlock.core.checkup import is_stale
from secondlock.core.errors import InvalidCodeError, NotFoundError, RateLimitedError
from secondlock.core.i18n import msg
from secondlock.core.methods import SMS_EMAIL_METHODS, Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import BackoffPolicy
from secondlock.core.views import SessionView
from secondlock.services.activation import FactorWords, activate_factor, announce_factor
from secondlock.services.activity import event
from secondlock.services.login import available_methods
from secondlock.services.methods.sms_email_code_checks import enrollment_claim
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import open_totp_secret
from secondlock.services.sign_in import AMR_BY_METHOD
from secondlock.services.throttling import record_failure, seconds_locked
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.orm import Authenticator
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    MfaChallenges,
    RecoveryCodes,
    Throttles,
)

PENDING_MINUTES = 10
MAX_PENDING = 5
MAX_NAME = 64
CONFIRM_HINTS: dict[str, str] = {
    Method.TOTP: msg("That code did not work. Check that the time on your phone is set "
                "automatically, then type the code shown now."),
    Method.SMS: msg("That code did not work. Type the code from the newest text message."),
    Method.EMAIL: msg("That code did not work. Type the code from the newest email."),
}
APP_WORDS = FactorWords(label=msg("Authenticator app"),
                        added=msg("An authenticator app was added to your account."),
                        sign_in_with=msg("a code from your app"),
                        subject=msg("authenticator app added"))
#: How the mails name each kind of factor that is confirmed with a code.
FACTOR_WORDS: dict[str, FactorWords] = {
    Method.TOTP: APP_WORDS,
    Method.SMS: FactorWords(label=msg("Text messages (SMS)"),
                       added=msg("A phone for text message codes was added to your account."),
                       sign_in_with=msg("a code by text message"),
                       subject=msg("phone for codes added")),
    Method.EMAIL: FactorWords(label=msg("Email codes"),
                         added=msg("An email address for codes was added to your account."),
                         sign_in_with=msg("a code by email"),
                         subject=msg("email address for codes added")),
}
CONFIRM_POLICY = BackoffPolicy(free_failures=5, base_delay=30, max_delay=900,
                               window=timedelta(hours=1))


@dataclass(frozen=True)
class Factor:
    """One second factor of an account (an app, a phone, an address or a key)."""

    id: str
    type: str
    name: str
    created_at: datetime
    confirmed_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: Authenticator) -> Factor:
        return cls(id=row.id, type=row.type, name=row.name, created_at=row.created_at,
                   confirmed_at=row.confirmed_at, last_used_at=row.last_used_at)


@dataclass(frozen=True)
class FactorSummary:
    methods: tuple[str, ...]
    recovery_codes_remaining: int


@dataclass(frozen=True)
class Confirmation:
    recovery_codes: list[str]  # empty unless this turned two-factor authentication on
    mfa_turned_on: bool


def make_room_for_pending(repo: Authenticators, account_id: str, now: datetime) -> None:
    """Drop expired setups; refuse one more while ``MAX_PENDING`` are in progress.

    Raises:
        RateLimitedError.
    """
    repo.delete_expired_pending(account_id, now)
    if repo.count_pending(account_id) >= MAX_PENDING:
        raise RateLimitedError(PENDING_MINUTES * 60, msg(
            "Finish or let expire the setups you already started before starting another one."))


def clean_name(name: str | None, default: str) -> str:
    text = " ".join((name or "").split())[:MAX_NAME]
    return text or default


class AuthenticatorService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def summary(self, account_id: str) -> FactorSummary:
        with self.rt.db.read() as s:
            return FactorSummary(methods=available_methods(s, account_id),
                                 recovery_codes_remaining=RecoveryCodes(s).remaining(account_id))

    def stale(self, account_id: str) -> list[Factor]:
        """Confirmed factors unused for SECONDLOCK_STALE_FACTOR_DAYS: pointed out, never
        removed (issue #16)."""
        now, days = self.rt.clock.now(), self.rt.settings.stale_factor_days
        return [f for f in self.list(account_id)
                if is_stale(last_used_at=f.last_used_at, confirmed_at=f.confirmed_at, now=now,
                            days=days)]

    def list(self, account_id: str) -> list[Factor]:
        """The account's factors: confirmed ones and setups still in progress."""
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            rows = Authenticators(s).for_account(account_id)
        return [Factor.of(r) for r in rows if r.confirmed_at is not None
                or (r.pending_expires_at is not None and r.pending_expires_at > now)]

    def confirm(self, view: SessionView, authenticator_id: str, code: str,
                info: RequestInfo, *, name: str | None = None) -> Confirmation:
        """Prove the app works; the first confirmed factor turns 2FA on and issues codes.

        Raises:
            NotFoundError, InvalidCodeError, RateLimitedError.
        """
        now = self.rt.clock.now()
        key = f"confirm:{view.account_id}"
        with self.rt.db.read() as s:
            wait = seconds_locked(s, [key], now)
            row = Authenticators(s).get(view.account_id, authenticator_id)
        if wait is not None:
            raise RateLimitedError(wait)
        if row is None or row.confirmed_at is not None or row.pending_expires_at is None \
                or row.pending_expires_at <= now:
            raise NotFoundError(msg("This setup has expired or does not exist. Start again."))
        claim = self._pending_claim(row, code, now)
        if claim is None:
            with self.rt.db.write() as s:
                record_failure(s, key, CONFIRM_POLICY, now)
                s.commit()
            raise InvalidCodeError(CONFIRM_HINTS.get(row.type, CONFIRM_HINTS[Method.TOTP]))
        with self.rt.db.write() as s:
            if not claim(s):
                raise NotFoundError(msg("This setup was already confirmed."))
            if name is not None:  # the name typed next to the code, kept with it
                row.name = clean_name(name, row.name)
                Authenticators(s).rename(row.id, row.name)
            Throttles(s).reset(key)
            done = activate_factor(s, view, method=row.type, amr=AMR_BY_METHOD[row.type],
                                   name=row.name, info=info, now=now)
            announce_factor(s, self.rt, view, done, method=row.type,
                            words=FACTOR_WORDS.get(row.type, APP_WORDS), name=row.name,
                            info=info, at=now)
            s.commit()
        return Confirmation(recovery_codes=done.recovery_codes, mfa_turned_on=done.turned_on)

    def _pending_claim(self, row: Authenticator, code: str,
                       now: datetime) -> Callable[[DbSession], bool] | None:
        """Check a pending factor's code: None if wrong, else the claim that confirms it."""
        if row.type in SMS_EMAIL_METHODS:  # SMS and email codes: services/oob_codes.py
            return enrollment_claim(self.rt, row, code, now)
        step = totp.match_step(open_totp_secret(self.rt, row), code, at=now, last_step=None,
                               drift=self.rt.settings.totp_drift_steps)
        if step is None:
            return None
        return lambda s: Authenticators(s).claim_step(row.id, step, now, confirm=True)

    def rename(self, view: SessionView, authenticator_id: str, name: str,
               info: RequestInfo) -> Factor:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            row = Authenticators(s).get(view.account_id, authenticator_id)
            if row is None:
                raise NotFoundError(msg("No such authenticator."))
            row.name = clean_name(name, row.name)
            Activity(s).add(event(at=now, name="authenticator_renamed", info=info,
                                  success=True, account_id=view.account_id, method=row.type))
            renamed = Factor.of(row)
            s.commit()
        return renamed

    def remove(self, view: SessionView, authenticator_id: str, info: RequestInfo) -> bool:
        """Remove one factor; removing the last one turns 2FA off. Returns True if it did.

        Raises:
            ReauthRequiredError, NotFoundError.
        """
        require_recent_auth(self.rt, view)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            repo = Authenticators(s)
            row = repo.get(view.account_id, authenticator_id)
            if row is None or not repo.delete(view.account_id, authenticator_id):
                raise NotFoundError(msg("No such authenticator."))
            turned_off = row.confirmed_at is not None and not repo.confirmed_types(
                view.account_id)
            if row.confirmed_at is not None:
                forget_all_devices(s, view.account_id)  # any factor change: trust afresh
            if turned_off:
                self._turn_off(s, view.account_id)
            if row.confirmed_at is not None:
                Activity(s).add(event(at=now, name="mfa_disabled" if turned_off
                                      else "authenticator_removed", info=info, success=True,
                                      account_id=view.account_id, method=row.type,
                                      detail=row.name))
                emit_event(self.rt, s, "factor.removed", account_id=view.account_id,
                           info=info, at=now, factor_type=str(row.type))
                if turned_off:
                    emit_event(self.rt, s, "mfa.disabled", account_id=view.account_id,
                               info=info, at=now)
                queue_notice(
                    s, self.rt, to=view.email, at=now, info=info,
                    kind="mfa_disabled" if turned_off else "authenticator_removed",
                    subject=msg("two-factor authentication is off") if turned_off
                    else msg("authenticator removed"),
                    headline=msg("The authenticator \u201c%(name)s\u201d was removed from "
                                 "your account.", name=row.name),
                    details=[msg("That was your last second factor, so two-factor "
                                 "authentication is now off and your recovery codes no "
                                 "longer work.")] if turned_off
                    else [msg("Your other second factors keep working.")])
            s.commit()
        return row.confirmed_at is not None and turned_off

    def turn_off(self, view: SessionView, info: RequestInfo) -> None:
        """Remove every factor and the recovery codes.

        Raises:
            ReauthRequiredError.
        """
        require_recent_auth(self.rt, view)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            Authenticators(s).delete_all(view.account_id)
            self._turn_off(s, view.account_id)
            forget_all_devices(s, view.account_id)
            Activity(s).add(event(at=now, name="mfa_disabled", info=info, success=True,
                                  account_id=view.account_id))
            emit_event(self.rt, s, "mfa.disabled", account_id=view.account_id, info=info,
                       at=now)
            queue_notice(s, self.rt, to=view.email, kind="mfa_disabled", at=now, info=info,
                         subject=msg("two-factor authentication is off"),
                         headline=msg("Two-factor authentication was turned off for your "
                                      "account."),
                         details=[msg("Signing in now needs only your password. We recommend "
                                      "turning it back on.")])
            s.commit()

    @staticmethod
    def _turn_off(s: DbSession, account_id: str) -> None:
        Accounts(s).set_mfa_enabled(account_id, None)
        RecoveryCodes(s).delete_all(account_id)
        MfaChallenges(s).delete_for_account(account_id)
