"""The second sign-in step: a code for the pending sign-in (mfa_token) opens a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import (
    InvalidCodeError,
    MfaTokenExpiredError,
    NotAuthenticatedError,
)
from secondlock.core.i18n import msg, nmsg
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS, Method
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.core.request_info import RequestInfo
from secondlock.core.sms_email_code_errors import SAME_CHANNEL_TEXT, SameChannelError
from secondlock.core.tokens import hash_token
from secondlock.services.activity import event
from secondlock.services.login import LoginResult
from secondlock.services.methods.sms_email_code_checks import email_code_allowed_now
from secondlock.services.notices import notify
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import Candidate, SecondFactor
from secondlock.services.sessions import IssuedSession, SessionService, issue_session
from secondlock.services.sign_in_alerts import NEW_DEVICE, alert_new_device, is_new_device
from secondlock.services.trusted_devices import forget_all_devices, remember_device
from secondlock.storage.orm import MfaChallenge
from secondlock.storage.repositories import Accounts, Activity, MfaChallenges, RecoveryCodes

#: Failed codes in one pending sign-in before the owner hears "correct password, wrong code".
PARTIAL_SUCCESS_ALERT_AFTER = 3
AMR_BY_METHOD: dict[str, str] = {Method.TOTP: "pwd otp mfa", Method.RECOVERY_CODE: "pwd rc mfa",
                 # SMS and email codes (#4). RFC 8176 has "sms" (a confirmation by text
                 # message) but no value for email. An email code is never a second factor
                 # (security checklist OOB-8, issue #7): the mailbox often falls with the
                 # password. So it gets only our own "email" marker (core.assurance claims
                 # it as "otp" of the same channel), never "otp" or "mfa" in the session.
                 Method.SMS: "pwd sms mfa", Method.EMAIL: "pwd email",
                 # A security key after the password; a synced passkey gets "swk" instead
                 # (core.webauthn.amr_for decides from the key's backup-eligible flag).
                 Method.WEBAUTHN: "pwd hwk mfa"}


def pending_sign_in(s: DbSession, mfa_token: str, now: datetime) -> MfaChallenge:
    """The live pending sign-in of an mfa_token.

    Raises:
        NotAuthenticatedError, MfaTokenExpiredError.
    """
    if not isinstance(mfa_token, str) or not mfa_token or len(mfa_token) > 256:
        raise NotAuthenticatedError(msg("This sign-in is not valid. Start again."))
    challenge = MfaChallenges(s).by_token_hash(hash_token(mfa_token))
    if challenge is None:
        raise NotAuthenticatedError(msg("This sign-in is not valid. Start again."))
    if challenge.used_at is not None or challenge.expires_at <= now:
        raise MfaTokenExpiredError(msg("This sign-in took too long or was already used. "
                                       "Enter your email and password again."))
    return challenge


@dataclass(frozen=True)
class _Outcome:
    session: IssuedSession | None = None
    recovery_codes_left: int | None = None  # set when a recovery code was used
    locked_seconds: int | None = None
    alert: bool = False
    device_token: str | None = None  # set when the device is now remembered
    new_device: str | None = None  # the method, when this device signs in for the first time


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
        if outcome.session is None:
            raise InvalidCodeError(_hint(method))
        return LoginResult(status="authenticated", account_id=account_id,
                           session=outcome.session, device_token=outcome.device_token)

    def _settle(self, s: DbSession, challenge: MfaChallenge, attempt: int,
                candidate: Candidate | None, method: str, info: RequestInfo, *,
                remember: bool = False) -> _Outcome:
        """Record the outcome inside the caller's transaction (the caller commits)."""
        now = self.rt.clock.now()
        account_id = challenge.account_id
        if candidate is not None and self.factor.claim(s, candidate, account_id):
            if not MfaChallenges(s).consume(challenge.id, now):
                # Someone else finished this sign-in: roll back, the code stays unused.
                raise MfaTokenExpiredError(msg("This sign-in was already completed."))
            new_device = is_new_device(s, account_id, info.user_agent)
            issued = issue_session(s, account_id=account_id,
                                   amr=AMR_BY_METHOD[candidate.method], info=info, now=now,
                                   absolute=self.sessions.absolute)
            Activity(s).add(event(at=now, name="login", info=info, success=True,
                                  account_id=account_id, method=candidate.method,
                                  detail=NEW_DEVICE if new_device else None))
            remaining = RecoveryCodes(s).remaining(account_id) \
                if candidate.method == Method.RECOVERY_CODE else None
            device_token = None
            if candidate.method == Method.RECOVERY_CODE:
                forget_all_devices(s, account_id)  # a lost factor: start trust afresh
            elif remember:
                device_token = remember_device(s, account_id=account_id, info=info, now=now,
                                               days=self.rt.settings.trusted_device_days)
            return _Outcome(session=issued, recovery_codes_left=remaining,
                            device_token=device_token,
                            new_device=candidate.method if new_device else None)
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
        """Mail after the commit: a recovery code used, a lock, or a partial sign-in."""
        if outcome.new_device is not None:
            alert_new_device(self.rt, account_id, outcome.new_device, info)
        if outcome.recovery_codes_left is None and outcome.locked_seconds is None \
                and not outcome.alert:
            return
        email = self._email(account_id)
        if not email:
            return
        if outcome.recovery_codes_left is not None:
            self._recovery_code_used(email, outcome.recovery_codes_left, info)
        if outcome.locked_seconds is not None:
            self.factor.notify_lock(email, attempt, outcome.locked_seconds, info)
        if outcome.alert:
            notify(self.rt, to=email, kind="partial_sign_in", at=self.rt.clock.now(),
                   info=info, subject=msg("someone entered your password"),
                   headline=msg("Someone signed in with your correct password, then entered "
                                "wrong two-factor codes."),
                   details=[msg("Your second factor stopped them. If this was not you, your "
                                "password is known to someone else: change it now.")])

    def _email(self, account_id: str) -> str:
        with self.rt.db.read() as s:
            account = Accounts(s).get(account_id)
        return account.email if account is not None else ""

    def _recovery_code_used(self, email: str, remaining: int, info: RequestInfo) -> None:
        details = [nmsg("You have %(n)d recovery code left.",
                        "You have %(n)d recovery codes left.", remaining)]
        if remaining <= LOW_CODES_THRESHOLD:
            details.append(msg("That is not many: make a new set on your security page."))
        notify(self.rt, to=email, kind="recovery_code_used", at=self.rt.clock.now(), info=info,
               subject=msg("a recovery code was used"),
               headline=msg("Someone signed in to your account with a recovery code."),
               details=details)


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
