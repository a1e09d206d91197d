"""Authenticator apps: enroll (pending), confirm with a code, rename, remove, list."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import segno
from sqlalchemy.orm import Session as DbSession

from secondlock.core import totp
from secondlock.core.errors import InvalidCodeError, NotFoundError, RateLimitedError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import BackoffPolicy
from secondlock.services.activity import event
from secondlock.services.login import available_methods
from secondlock.services.notices import notify
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.recovery import issue_codes
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import open_totp_secret
from secondlock.services.second_step import AMR_BY_METHOD
from secondlock.services.throttling import record_failure, seconds_locked
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.orm import Authenticator
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    MfaChallenges,
    RecoveryCodes,
    Sessions,
    SessionView,
    Throttles,
)

PENDING_MINUTES = 10
MAX_PENDING = 5
MAX_NAME = 64
CONFIRM_POLICY = BackoffPolicy(free_failures=5, base_delay=30, max_delay=900,
                               window=timedelta(hours=1))


@dataclass(frozen=True)
class Enrollment:
    id: str
    secret: str
    otpauth_uri: str
    qr_svg: str
    expires_in: int


@dataclass(frozen=True)
class FactorSummary:
    methods: tuple[str, ...]
    recovery_codes_remaining: int


@dataclass(frozen=True)
class Confirmation:
    recovery_codes: list[str]  # empty unless this turned two-factor authentication on
    mfa_turned_on: bool


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

    def list(self, account_id: str) -> list[Authenticator]:
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            rows = Authenticators(s).for_account(account_id)
        return [r for r in rows if r.confirmed_at is not None
                or (r.pending_expires_at is not None and r.pending_expires_at > now)]

    def enroll_totp(self, view: SessionView, name: str | None, info: RequestInfo) -> Enrollment:
        """Start adding an authenticator app: a fresh secret, pending until confirmed.

        Raises:
            ReauthRequiredError, RateLimitedError (too many pending enrollments).
        """
        require_recent_auth(self.rt, view)
        now = self.rt.clock.now()
        secret = totp.new_secret()
        row_id = str(uuid.uuid4())
        sealed = self.rt.keyring.seal(secret.encode("ascii"), context=row_id.encode())
        with self.rt.db.write() as s:
            repo = Authenticators(s)
            repo.delete_expired_pending(view.account_id, now)
            if repo.count_pending(view.account_id) >= MAX_PENDING:
                raise RateLimitedError(PENDING_MINUTES * 60, msg("Finish or let expire the setups "
                                           "you already started before starting another one."))
            repo.add(Authenticator(
                id=row_id, account_id=view.account_id, type="totp",
                name=clean_name(name, "Authenticator app"), created_at=now,
                pending_expires_at=now + timedelta(minutes=PENDING_MINUTES),
                secret_key_id=sealed.key_id, secret_blob=sealed.blob))
            s.commit()
        uri = totp.otpauth_uri(secret, account=view.email, issuer=self.rt.settings.service_name)
        qr = segno.make(uri, error="m").svg_inline(scale=5, border=4, title="QR code to scan "
                                                   "with your authenticator app")
        return Enrollment(id=row_id, secret=secret, otpauth_uri=uri, qr_svg=qr,
                          expires_in=PENDING_MINUTES * 60)

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
        step = totp.match_step(open_totp_secret(self.rt, row), code, at=now, last_step=None,
                               drift=self.rt.settings.totp_drift_steps)
        if step is None:
            with self.rt.db.write() as s:
                record_failure(s, key, CONFIRM_POLICY, now)
                s.commit()
            raise InvalidCodeError(msg("That code did not work. Check that the time on your phone "
                                       "is set automatically, then type the code shown now."))
        codes: list[str] = []
        with self.rt.db.write() as s:
            if not Authenticators(s).claim_step(row.id, step, now, confirm=True):
                raise NotFoundError(msg("This setup was already confirmed."))
            if name is not None:  # the name typed next to the code, kept with it
                row.name = clean_name(name, row.name)
                Authenticators(s).rename(row.id, row.name)
            Throttles(s).reset(key)
            account = Accounts(s).get(view.account_id)
            turning_on = account is not None and account.mfa_enabled_at is None
            if turning_on:
                Accounts(s).set_mfa_enabled(view.account_id, now)
                codes = issue_codes(s, view.account_id, now)
                # Turning 2FA on ends every other session (they were single-factor).
                Sessions(s).delete_others(view.account_id, keep_id=view.id)
                # The code just typed proves the new factor: this session is now two-factor.
                Sessions(s).mark_second_factor(view.id, AMR_BY_METHOD[row.type], now)
            forget_all_devices(s, view.account_id)  # any factor change: trust afresh
            Activity(s).add(event(at=now, name="mfa_enabled" if turning_on
                                  else "authenticator_added", info=info, success=True,
                                  account_id=view.account_id, method="totp", detail=row.name))
            s.commit()
        if turning_on:
            notify(self.rt, to=view.email, kind="mfa_enabled", at=now, info=info,
                   subject=msg("two-factor authentication is on"),
                   headline=msg("Two-factor authentication is now on for your account."),
                   details=[msg("Authenticator app: %(name)s.", name=row.name),
                            msg("Other devices were signed out. Signing in now needs a code "
                                "from your app or a recovery code.")])
        else:
            notify(self.rt, to=view.email, kind="authenticator_added", at=now, info=info,
                   subject=msg("authenticator added"),
                   headline=msg("An authenticator app was added to your account."),
                   details=[msg("Name: %(name)s.", name=row.name)])
        return Confirmation(recovery_codes=codes, mfa_turned_on=turning_on)

    def rename(self, view: SessionView, authenticator_id: str, name: str,
               info: RequestInfo) -> Authenticator:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            row = Authenticators(s).get(view.account_id, authenticator_id)
            if row is None:
                raise NotFoundError(msg("No such authenticator."))
            row.name = clean_name(name, row.name)
            Activity(s).add(event(at=now, name="authenticator_renamed", info=info,
                                  success=True, account_id=view.account_id, method=row.type))
            s.commit()
        return row

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
            s.commit()
        if row.confirmed_at is None:
            return False
        notify(self.rt, to=view.email, at=now, info=info,
               kind="mfa_disabled" if turned_off else "authenticator_removed",
               subject=msg("two-factor authentication is off") if turned_off
               else msg("authenticator removed"),
               headline=msg("The authenticator \u201c%(name)s\u201d was removed from your "
                            "account.", name=row.name),
               details=[msg("That was your last second factor, so two-factor authentication "
                            "is now off and your recovery codes no longer work.")] if turned_off
               else [msg("Your other second factors keep working.")])
        return turned_off

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
            s.commit()
        notify(self.rt, to=view.email, kind="mfa_disabled", at=now, info=info,
               subject=msg("two-factor authentication is off"),
               headline=msg("Two-factor authentication was turned off for your account."),
               details=[msg("Signing in now needs only your password. We recommend turning it "
                            "back on.")])

    @staticmethod
    def _turn_off(s: DbSession, account_id: str) -> None:
        Accounts(s).set_mfa_enabled(account_id, None)
        RecoveryCodes(s).delete_all(account_id)
        MfaChallenges(s).delete_for_account(account_id)
