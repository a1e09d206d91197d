"""Checking a second-factor code: guessing cap, evaluation, and the single-use claim.

The flow for every attempt, shared by the sign-in second step and re-authentication:

1. ``take_attempt``: count the attempt *before* evaluating it (one atomic upsert), so
   parallel guesses on one account never get more than the cap evaluated.
2. ``find``: read-only evaluation (decrypt TOTP secrets, compare; hash recovery codes).
3. ``claim`` inside the caller's write transaction: the compare-and-set that makes a code
   work once (TOTP step, recovery code row), then the counter is cleared.
4. ``lock_if_due`` otherwise: locks at every 10th failure and queues the owner's mail in the
   same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core import recovery_codes, totp
from secondlock.core.crypto import Sealed
from secondlock.core.errors import RateLimitedError
from secondlock.core.i18n import msg
from secondlock.core.methods import SMS_EMAIL_METHODS, Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import MFA_LOCK_EVERY, mfa_lock_seconds, retry_after
from secondlock.services.lockout_notices import (
    PERMANENT_SECONDS,
    human_duration,
    queue_second_step_lock,
)
from secondlock.services.methods.sms_email_code_checks import (
    LiveCode,
    claim_live,
    digest_for,
    load_live,
)
from secondlock.services.runtime import Runtime
from secondlock.services.throttling import record_refused
from secondlock.storage.orm import Authenticator
from secondlock.storage.precompiled import Transaction
from secondlock.storage.repositories import Accounts, Authenticators, RecoveryCodes, Throttles
from secondlock.storage.repositories.second_step import StoredSecret
from secondlock.storage.repositories.throttles import Counters

#: The second step's guessing counter of an account is the throttle row of this key.
MFA_KEY_PREFIX = "mfa:acct:"


def mfa_key(account_id: str) -> str:
    return f"{MFA_KEY_PREFIX}{account_id}"


def take_mfa_ticket(tx: Transaction, account_id: str, now: datetime) -> int | None:
    """Count a second-step attempt before it is evaluated (in a Session or a lean
    transaction): its number, or None when the step is locked. Every ``MFA_LOCK_EVERY``-th
    attempt locks the step provisionally until its outcome is known."""
    return Counters(tx).take_ticket(mfa_key(account_id), now, every=MFA_LOCK_EVERY,
                                    provisional_until=now + timedelta(minutes=15))


@dataclass(frozen=True)
class Candidate:
    """A code that matched, not yet claimed."""

    method: str
    row_id: str
    step: int | None = None
    #: SMS/email: the keyed hash of the typed code, compared when it is claimed.
    digest: bytes | None = None


def open_totp_secret(rt: Runtime, row: Authenticator) -> str:
    if row.secret_blob is None or row.secret_key_id is None:
        raise ValueError("authenticator has no secret")
    return rt.keyring.open(Sealed(row.secret_key_id, row.secret_blob),
                           context=row.id.encode()).decode("ascii")


@dataclass(frozen=True)
class StoredFactor:
    """What evaluating a code needs from one row: a TOTP secret or a recovery-code hash."""

    row_id: str
    secret: str | None = None
    last_step: int | None = None
    code_hash: str | None = None
    oob: LiveCode | None = None  # SMS/email: the live challenge


class SecondFactor:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def take_attempt(self, s: DbSession, account_id: str) -> int:
        """Count this attempt in the caller's write transaction; return its number in the
        current run of failures.

        Raises:
            RateLimitedError: the second step is locked (nothing was written).
        """
        now = self.rt.clock.now()
        ticket = take_mfa_ticket(s, account_id, now)
        row = Throttles(s).get(mfa_key(account_id)) if ticket is None else None
        if ticket is None:
            wait = retry_after(row.locked_until if row else None, now) or 1
            raise RateLimitedError(wait, locked_detail(wait))
        return ticket

    def stored_secrets(self, rows: tuple[StoredSecret, ...]) -> list[StoredFactor]:
        """App secrets read with the pending sign-in (``SecondStepRows.read``), opened."""
        return [StoredFactor(row.row_id, secret=self._open(row.row_id, row.key_id, row.blob),
                             last_step=row.last_step) for row in rows]

    def _open(self, row_id: str, key_id: str | None, blob: bytes | None) -> str:
        if key_id is None or blob is None:
            raise ValueError("authenticator has no secret")
        return self.rt.keyring.open(Sealed(key_id, bytes(blob)),
                                    context=row_id.encode()).decode("ascii")

    def load(self, s: DbSession, account_id: str, method: str, *,
             bound_to: tuple[str, str] | None = None) -> list[StoredFactor]:
        """Read what checking a code of ``method`` needs (decrypting TOTP secrets).

        SMS/email codes are bound to a challenge: ``bound_to`` is (purpose, binding).
        """
        if method in SMS_EMAIL_METHODS:  # SMS and email codes: services/oob_codes.py
            live = load_live(s, account_id, method, *bound_to) if bound_to else None
            return [StoredFactor(live.row_id, oob=live)] if live else []
        if method == Method.TOTP:
            return [StoredFactor(row.id, secret=open_totp_secret(self.rt, row),
                                 last_step=row.last_used_step)
                    for row in Authenticators(s).for_account(account_id, confirmed_only=True,
                                                             type_=Method.TOTP)]
        if method == Method.RECOVERY_CODE:
            return [StoredFactor(row.id, code_hash=row.code_hash)
                    for row in RecoveryCodes(s).unused(account_id)]
        return []

    def match(self, stored: list[StoredFactor], method: str, code: str) -> Candidate | None:
        """Compare a code with the loaded factors; no I/O. Call after ``take_attempt``."""
        if method == Method.TOTP:
            cleaned = totp.clean_code(code)
            if cleaned is None:
                return None
            now = self.rt.clock.now()
            for factor in stored:
                assert factor.secret is not None
                step = totp.match_step(factor.secret, cleaned, at=now,
                                       last_step=factor.last_step,
                                       drift=self.rt.settings.totp_drift_steps)
                if step is not None:
                    return Candidate(Method.TOTP, factor.row_id, step)
        elif method == Method.RECOVERY_CODE:
            compact = recovery_codes.normalise(code)
            if compact is None:
                return None
            for factor in stored:
                assert factor.code_hash is not None
                if recovery_codes.matches(factor.code_hash, compact):
                    return Candidate(Method.RECOVERY_CODE, factor.row_id)
        elif method in SMS_EMAIL_METHODS:  # compared in claim(), after the try is counted
            for factor in stored:
                digest = digest_for(self.rt, factor.oob, code) if factor.oob else None
                if digest is not None:
                    return Candidate(method, factor.row_id, digest=digest)
        return None

    def used_before(self, stored: list[StoredFactor], method: str, code: str) -> bool:
        """Whether a refused app code is right but from a time step already used (a replay:
        the person should wait for the next code, not fix their clock). No I/O."""
        if method != Method.TOTP:
            return False
        now = self.rt.clock.now()
        for factor in stored:
            if factor.secret is None or factor.last_step is None:
                continue
            step = totp.match_step(factor.secret, code, at=now, last_step=None,
                                   drift=self.rt.settings.totp_drift_steps)
            if step is not None and step <= factor.last_step:
                return True
        return False

    def claim(self, s: DbSession, candidate: Candidate, account_id: str) -> bool:
        """Use the code once, inside the caller's transaction; clears the failure counter."""
        now = self.rt.clock.now()
        if candidate.method == Method.TOTP and candidate.step is not None:
            ok = Authenticators(s).claim_step(candidate.row_id, candidate.step, now)
        elif candidate.method == Method.RECOVERY_CODE:
            ok = RecoveryCodes(s).consume(candidate.row_id, account_id, now)
        elif candidate.method in SMS_EMAIL_METHODS and candidate.digest is not None:
            ok = claim_live(s, candidate.row_id, candidate.digest, now)
        else:
            ok = False
        if ok:  # attempts refused during a lock before: one row
            record_refused(s, Throttles(s).reset(mfa_key(account_id)), name="login_second_step",
                           method=candidate.method, account_id=account_id)
        return ok

    def lock_if_due(self, s: DbSession, account_id: str, attempt: int,
                    info: RequestInfo) -> int | None:
        """The attempt (already counted) failed: every 10th locks, and the owner's mail is
        queued in the caller's transaction, with the lock. Seconds locked, or None."""
        seconds = mfa_lock_seconds(attempt)
        if seconds is None:
            return None
        # Every 10th attempt's ticket locked provisionally (and was counted as the lock).
        Throttles(s).set_lock(mfa_key(account_id), self.rt.clock.now() + timedelta(seconds=seconds),
                              already_counted=attempt % MFA_LOCK_EVERY == 0)
        account = Accounts(s).get(account_id)
        if account is not None:
            queue_second_step_lock(s, self.rt, account.email, attempt, int(seconds), info)
        return int(seconds)


def locked_detail(wait: int) -> str:
    if wait >= PERMANENT_SECONDS:
        return msg("Too many wrong codes. For your safety the second step is locked until "
                   "support unlocks it.")
    return msg("Too many wrong codes. For your safety the second step is locked; try again "
               "in %(duration)s.", duration=human_duration(wait))
