"""Re-authentication: renew the session's authentication time for sensitive changes."""

from __future__ import annotations

from secondlock.core.errors import (
    InvalidCodeError,
    InvalidCredentialsError,
    RateLimitedError,
    SecondFactorRequiredError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import CODE_METHODS, Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import ACCOUNT_LOGIN_POLICY
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.methods.sms_email_code_checks import email_session_counts
from secondlock.services.password_attempts import LOGIN_SCOPE
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import SecondFactor
from secondlock.services.sign_in import AMR_BY_METHOD
from secondlock.services.throttling import account_key, record_failure, seconds_locked
from secondlock.storage.repositories import Accounts, Activity, Sessions, Throttles


class ReauthService:
    def __init__(self, rt: Runtime, factor: SecondFactor) -> None:
        self.rt = rt
        self.factor = factor

    def reauth(self, view: SessionView, info: RequestInfo, *, password: str | None = None,
               method: str | None = None, code: str | None = None) -> None:
        """Prove it's still you. With 2FA on, a second factor is required (its strongest
        proof); without it, the password.

        Raises:
            SecondFactorRequiredError, InvalidCredentialsError, InvalidCodeError,
            RateLimitedError.
        """
        if view.mfa_enabled:
            if method is None or code is None:
                raise SecondFactorRequiredError(
                    msg("Two-factor authentication is on: confirm with a code from one of "
                        "your two-factor methods or a recovery code."))
            if method == Method.EMAIL and not email_session_counts(self.rt, view.account_id):
                raise SecondFactorRequiredError(
                    msg("An email code is not enough for this change: confirm with your "
                        "authenticator app, security key or phone."))
            self._check_code(view, method, code, info)
        else:
            if password is None:
                raise InvalidCredentialsError(msg("Enter your password."))
            self._check_password(view, password, info)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            if view.mfa_enabled and method is not None:
                # The session now holds a second factor, also when it was opened on a
                # remembered device with the password alone.
                Sessions(s).mark_second_factor(view.id, AMR_BY_METHOD[method], now)
            else:
                Sessions(s).set_auth_time(view.id, now)
            Activity(s).add(event(at=now, name="reauth", info=info, success=True,
                                  account_id=view.account_id,
                                  method=method if view.mfa_enabled else Method.PASSWORD))
            s.commit()

    def _check_password(self, view: SessionView, password: str, info: RequestInfo) -> None:
        key = account_key(self.rt.secret_key, LOGIN_SCOPE, view.email)
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            wait = seconds_locked(s, [key], now)
            account = Accounts(s).get(view.account_id)
        if wait is not None:
            raise RateLimitedError(wait)
        if account is None or not self.rt.hasher.verify(account.password_hash, password):
            with self.rt.db.write() as s:
                record_failure(s, key, ACCOUNT_LOGIN_POLICY, now)
                Activity(s).add(event(at=now, name="reauth", info=info, success=False,
                                      account_id=view.account_id, reason="bad_password",
                                      method=Method.PASSWORD))
                s.commit()
            raise InvalidCredentialsError(msg("That password is not correct."))
        with self.rt.db.write() as s:
            Throttles(s).reset(key)
            s.commit()

    def _check_code(self, view: SessionView, method: str, code: str,
                    info: RequestInfo) -> None:
        with self.rt.db.read() as s:
            stored = self.factor.load(s, view.account_id, method, bound_to=("reauth", view.id))
        with self.rt.db.write() as s:
            attempt = self.factor.take_attempt(s, view.account_id)
            s.commit()
        candidate = self.factor.match(stored, method, code)
        if candidate is not None:
            with self.rt.db.write() as s:
                claimed = self.factor.claim(s, candidate, view.account_id)
                s.commit()  # also a failed claim: an SMS/email code's try stays counted
            if claimed:
                return
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            self.factor.lock_if_due(s, view.account_id, attempt, info)
            Activity(s).add(event(at=now, name="reauth", info=info, success=False,
                                  account_id=view.account_id, reason="invalid_code",
                                  method=method if method in CODE_METHODS else "other"))
            s.commit()
        raise InvalidCodeError(msg("That code did not work."))
