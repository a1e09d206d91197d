"""The second sign-in step: a code for the pending sign-in (mfa_token) opens a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import (
    CodeAlreadyUsedError,
    InvalidCodeError,
    MfaTokenExpiredError,
    NotAuthenticatedError,
    RateLimitedError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS, Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.sms_email_code_errors import SAME_CHANNEL_TEXT, SameChannelError
from secondlock.core.throttle import mfa_lock_seconds, retry_after
from secondlock.services.activity import event
from secondlock.services.methods.sms_email_code_checks import email_code_allowed_now
from secondlock.services.notices import queue_notice
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import (
    MFA_KEY_PREFIX,
    Candidate,
    SecondFactor,
    StoredFactor,
    locked_detail,
    mfa_key,
    take_mfa_ticket,
)
from secondlock.services.sessions import SessionService
from secondlock.services.sign_in import (
    AMR_BY_METHOD,
    EXPIRED_PENDING_TEXT,
    INVALID_PENDING_TEXT,
    LoginResult,
    SignedIn,
    complete_sign_in,
    pending_sign_in,
    pending_token_hash,
)
from secondlock.services.throttling import record_refused
from secondlock.storage.precompiled import Transaction
from secondlock.storage.repositories import Accounts, Activity, Throttles
from secondlock.storage.repositories.activity import ActivityRow, add_activity
from secondlock.storage.repositories.second_step import PendingRead, SecondStepRows
from secondlock.storage.repositories.throttles import Counters

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

    def verify(self, mfa_token: str, method: str, code: str, info: RequestInfo, *,
               remember: bool = False) -> LoginResult:
        """Check the code and open a session.

        One short write transaction: read the pending sign-in, its account's lock and the
        factors (one statement), count the attempt before the code is compared, then record
        the outcome (the pending sign-in's counter and an activity row, or the session). A
        locked account is answered from that read: the refused attempt is counted on the
        lock row and nothing else is written. A recovery code takes an argon2 check per
        stored code, so its attempt is committed first and the comparison runs outside any
        transaction.

        Raises:
            NotAuthenticatedError, MfaTokenExpiredError, InvalidCodeError, RateLimitedError.
        """
        token_hash = pending_token_hash(mfa_token)
        if method == Method.RECOVERY_CODE:
            return self._verify_slowly(mfa_token, method, code, info, remember=remember)
        now = self.rt.clock.now()
        if method == Method.TOTP:
            stored_now = self._wrong_code_quickly(token_hash, method, code, info, now)
            if stored_now is not None:
                return self._answer(_Outcome(), stored_now, method, code)
        with self.rt.db.write() as s:
            pending = self._read(s, token_hash, method, now)
            self._refuse_if_locked(s, pending, now)
            if method == Method.EMAIL and not email_code_allowed_now(s, pending.account_id, now):
                raise SameChannelError(SAME_CHANNEL_TEXT)
            stored = self.factor.stored_secrets(pending.factors) if method == Method.TOTP \
                else self.factor.load(s, pending.account_id, method, bound_to=("login", pending.id))
            attempt = self.factor.take_attempt(s, pending.account_id)
            if pending.refused:  # the first attempt after a lock: its refused ones, one row
                record_refused(s, Throttles(s).take_refused(mfa_key(pending.account_id)),
                               name="login_second_step", method=method,
                               account_id=pending.account_id)
            candidate = self.factor.match(stored, method, code)
            outcome = self._settle(s, pending.id, pending.account_id, attempt, candidate, method,
                                   info, remember=remember)
            s.commit()
        return self._answer(outcome, stored, method, code)

    def _wrong_code_quickly(self, token_hash: bytes, method: str, code: str, info: RequestInfo,
                            now: datetime) -> list[StoredFactor] | None:
        """A wrong app code, what a guessing attack sends over and over, in a lean
        transaction (``Database.lean_write``, no Session): the same statements and rules as
        ``verify``'s transaction, in the same order. A locked second step is refused here too.

        The factors (a wrong code was recorded and committed), or None when this attempt
        needs more than that: a right code, a lock or an alert due, refused attempts to
        summarise. Then nothing was written (the lean transaction rolls back) and ``verify``
        runs its full transaction, which decides again on what it reads.
        """
        with self.rt.db.lean_write() as tx:
            pending = self._read(tx, token_hash, method, now)
            self._refuse_if_locked(tx, pending, now)
            if pending.refused:
                return None
            stored = self.factor.stored_secrets(pending.factors)
            attempt = take_mfa_ticket(tx, pending.account_id, now)
            if attempt is None or mfa_lock_seconds(attempt) is not None:
                return None
            if self.factor.match(stored, method, code) is not None:
                return None
            failures = SecondStepRows(tx).count_failure(pending.id)
            if failures >= PARTIAL_SUCCESS_ALERT_AFTER and not pending.alerted:
                return None
            add_activity(tx, _failure_row(now, info, pending.account_id, method))
            tx.commit()
        return stored

    @staticmethod
    def _refuse_if_locked(tx: Transaction, pending: PendingRead, now: datetime) -> None:
        """A locked second step answers from the read: the refused attempt is counted on
        the lock row (committed) and nothing else is written."""
        wait = retry_after(pending.locked_until, now)
        if wait is not None:
            Counters(tx).refuse([mfa_key(pending.account_id)], now)
            tx.commit()
            raise RateLimitedError(wait, locked_detail(wait))

    def _read(self, s: Transaction, token_hash: bytes, method: str,
              now: datetime) -> PendingRead:
        pending = SecondStepRows(s).read(token_hash, lock_key_prefix=MFA_KEY_PREFIX,
                                         factor_type=method)
        if pending is None:
            raise NotAuthenticatedError(INVALID_PENDING_TEXT)
        if pending.used or pending.expires_at <= now:
            raise MfaTokenExpiredError(EXPIRED_PENDING_TEXT)
        return pending

    def _verify_slowly(self, mfa_token: str, method: str, code: str, info: RequestInfo, *,
                       remember: bool) -> LoginResult:
        """A recovery code: the attempt is committed, then argon2 runs outside any
        transaction, then the outcome is written."""
        with self.rt.db.read() as s:
            challenge = pending_sign_in(s, mfa_token, self.rt.clock.now())
            stored = self.factor.load(s, challenge.account_id, method)
        account_id = challenge.account_id
        with self.rt.db.write() as s:
            attempt = self.factor.take_attempt(s, account_id)
            s.commit()
        candidate = self.factor.match(stored, method, code)
        with self.rt.db.write() as s:
            outcome = self._settle(s, challenge.id, account_id, attempt, candidate, method, info,
                                   remember=remember)
            s.commit()
        return self._answer(outcome, stored, method, code)

    def _answer(self, outcome: _Outcome, stored: list[StoredFactor], method: str,
                code: str) -> LoginResult:
        if outcome.signed_in is None:
            if self.factor.used_before(stored, method, code):
                raise CodeAlreadyUsedError(USED_HINT)
            raise InvalidCodeError(_hint(method))
        return outcome.signed_in.result()

    def _settle(self, s: DbSession, pending_id: str, account_id: str, attempt: int,
                candidate: Candidate | None, method: str, info: RequestInfo, *,
                remember: bool = False) -> _Outcome:
        """Record the outcome inside the caller's transaction (the caller commits), with the
        owner's mail about a lock or a partial sign-in queued in it too."""
        now = self.rt.clock.now()
        if candidate is not None and self.factor.claim(s, candidate, account_id):
            # MfaTokenExpiredError when someone else finished this sign-in: the caller's
            # transaction rolls back and the code stays unused.
            return _Outcome(signed_in=complete_sign_in(
                s, self.rt, account_id=account_id, method=Method(candidate.method),
                amr=AMR_BY_METHOD[candidate.method], info=info, pending_id=pending_id,
                remember=remember))
        rows = SecondStepRows(s)
        failures = rows.count_failure(pending_id)
        alert = failures >= PARTIAL_SUCCESS_ALERT_AFTER and rows.mark_alerted(pending_id)
        locked = self.factor.lock_if_due(s, account_id, attempt, info)
        Activity(s).add(_failure_row(now, info, account_id, method))
        if alert:
            self._queue_alert(s, account_id, info)
        return _Outcome(locked_seconds=locked, alert=alert)

    def _queue_alert(self, s: DbSession, account_id: str, info: RequestInfo) -> None:
        """"Correct password, wrong codes": queued with the failure that makes it due."""
        account = Accounts(s).get(account_id)
        if account is None:
            return
        queue_notice(s, self.rt, to=account.email, kind="partial_sign_in", at=self.rt.clock.now(),
                     info=info, subject=msg("someone entered your password"),
                     headline=msg("Someone signed in with your correct password, then entered "
                                  "wrong two-factor codes."),
                     details=[msg("Your second factor stopped them. If this was not you, your "
                                  "password is known to someone else: change it now.")])


def _failure_row(now: datetime, info: RequestInfo, account_id: str, method: str) -> ActivityRow:
    return event(at=now, name="login_second_step", info=info, success=False,
                 account_id=account_id, reason="invalid_code",
                 method=method if method in CODE_METHODS else "other")


USED_HINT = msg("That code was already used, for example to add the app a moment ago. Each "
                "code works once: wait until your app shows a new code (they change every 30 "
                "seconds), then type the new one.")


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
