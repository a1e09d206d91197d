"""The second sign-in step: a code for the pending sign-in (mfa_token) opens a session."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import (
    InvalidCodeError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS, Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.sms_email_code_errors import SAME_CHANNEL_TEXT, SameChannelError
from secondlock.services.activity import event
from secondlock.services.methods.sms_email_code_checks import email_code_allowed_now
from secondlock.services.notices import notify
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import Candidate, SecondFactor
from secondlock.services.sessions import SessionService
from secondlock.services.sign_in import (
    AMR_BY_METHOD,
    LoginResult,
    SignedIn,
    complete_sign_in,
    pending_sign_in,
)
from secondlock.storage.orm import MfaChallenge
from secondlock.storage.repositories import Accounts, Activity, MfaChallenges

#: Failed codes in one pending sign-in before the owner hears "correct password, wrong code".
PARTIAL_SUCCESS_ALERT_AFTER = 3


@dataclass(frozen=True)
class _Outcome:
    signed_in: SignedIn | None = None
    locked_seconds: int | None = None
    alert: bool = False


class SecondStepService:
    def __init__(self, rt: Runtime, sessions: SessionService, factor: SecondFactor) -> None:
        self.rt = rt
        self.sessions = sessions
        self.factor = factor

    def _challenge(self, s: DbSession, mfa_token: str) -> MfaChallenge:
        return pending_sign_in(s, mfa_token, self.rt.clock.now())

    def verify(self, mfa_token: str, method: str, code: str, info: RequestInfo, *,
               remember: bool = False) -> LoginResult:
        """Check the code and open a session.

        One read (the pending sign-in and the factors), then the attempt is counted before the
        code is compared. An app code compares in microseconds, so counting, comparing and
        recording the outcome share one write transaction; a recovery code takes an argon2
        check per stored code, so its attempt is committed first and the comparison runs
        outside any transaction.

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, InvalidCodeError, RateLimitedError.
        """
        with self.rt.db.read() as s:
            challenge = self._challenge(s, mfa_token)
            if method == Method.EMAIL and not email_code_allowed_now(s, challenge.account_id,
                                                                 self.rt.clock.now()):
                raise SameChannelError(SAME_CHANNEL_TEXT)
            stored = self.factor.load(s, challenge.account_id, method,
                                      bound_to=("login", challenge.id))
        account_id = challenge.account_id
        if method == Method.RECOVERY_CODE:
            with self.rt.db.write() as s:
                attempt = self.factor.take_attempt(s, account_id)
                s.commit()
            candidate = self.factor.match(stored, method, code)
            with self.rt.db.write() as s:
                outcome = self._settle(s, challenge, attempt, candidate, method, info,
                                       remember=remember)
                s.commit()
        else:
            with self.rt.db.write() as s:
                attempt = self.factor.take_attempt(s, account_id)
                candidate = self.factor.match(stored, method, code)
                outcome = self._settle(s, challenge, attempt, candidate, method, info,
                                       remember=remember)
                s.commit()
        self._tell_owner(outcome, account_id, attempt, info)
        if outcome.signed_in is None:
            raise InvalidCodeError(_hint(method))
        return outcome.signed_in.result()

    def _settle(self, s: DbSession, challenge: MfaChallenge, attempt: int,
                candidate: Candidate | None, method: str, info: RequestInfo, *,
                remember: bool = False) -> _Outcome:
        """Record the outcome inside the caller's transaction (the caller commits)."""
        now = self.rt.clock.now()
        account_id = challenge.account_id
        if candidate is not None and self.factor.claim(s, candidate, account_id):
            # MfaTokenExpiredError when someone else finished this sign-in: the caller's
            # transaction rolls back and the code stays unused.
            return _Outcome(signed_in=complete_sign_in(
                s, self.rt, account_id=account_id, method=Method(candidate.method),
                amr=AMR_BY_METHOD[candidate.method], info=info, pending_id=challenge.id,
                remember=remember))
        failures = MfaChallenges(s).count_failure(challenge.id)
        alert = failures >= PARTIAL_SUCCESS_ALERT_AFTER and \
            MfaChallenges(s).mark_alerted(challenge.id)
        locked = self.factor.lock_if_due(s, account_id, attempt)
        Activity(s).add(event(at=now, name="login_second_step", info=info, success=False,
                              account_id=account_id, reason="invalid_code",
                              method=method if method in CODE_METHODS else "other"))
        return _Outcome(locked_seconds=locked, alert=alert)

    def _tell_owner(self, outcome: _Outcome, account_id: str, attempt: int,
                    info: RequestInfo) -> None:
        """Mail after the commit: a lock, or a partial sign-in (a sign-in's own notices were
        queued with it)."""
        if outcome.signed_in is not None:
            return
        if outcome.locked_seconds is None and not outcome.alert:
            return
        with self.rt.db.read() as s:
            account = Accounts(s).get(account_id)
        if account is None:
            return
        if outcome.locked_seconds is not None:
            self.factor.notify_lock(account.email, attempt, outcome.locked_seconds, info)
        if outcome.alert:
            notify(self.rt, to=account.email, kind="partial_sign_in", at=self.rt.clock.now(),
                   info=info, subject=msg("someone entered your password"),
                   headline=msg("Someone signed in with your correct password, then entered "
                                "wrong two-factor codes."),
                   details=[msg("Your second factor stopped them. If this was not you, your "
                                "password is known to someone else: change it now.")])


def _hint(method: str) -> str:
    if method == Method.TOTP:
        return msg("That code did not work. Codes change every 30 seconds: type the one shown "
                   "now. If codes keep failing, set your phone's time to automatic.")
    if method == Method.RECOVERY_CODE:
        return msg("That recovery code did not work. Each code works only once.")
    if method in SMS_EMAIL_METHODS:
        return msg("That code did not work. Type the code from the newest message: asking for "
                   "a new code makes the older ones stop working.")
    return msg("That code did not work.")
