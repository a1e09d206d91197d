"""Checking SMS and email codes: the pieces ``SecondFactor`` and ``confirm()`` plug in.

Every check counts a try on the code *before* comparing (at most 5 per code, and the count
survives a resend), compares keyed hashes in constant time, and claims the code with one
conditional UPDATE, so two parallel requests with the right code get one success.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core import sms_email_codes as dc
from secondlock.core.methods import Method
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Authenticator
from secondlock.storage.repositories import Accounts, Authenticators
from secondlock.storage.repositories.sms_email_codes import (
    DeliveryCodes,
    Destinations,
    confirm_factor,
    mark_factor_used,
)

#: Factors that make an email code too weak for "confirm it's you" (issue #7, OOB-8).
STRONGER_THAN_EMAIL = (Method.TOTP, Method.WEBAUTHN, Method.SMS)


@dataclass(frozen=True)
class LiveCode:
    """The challenge a code typed now is checked against."""

    row_id: str
    account_id: str
    purpose: str


def load_live(s: DbSession, account_id: str, method: str, purpose: str,
              binding: str) -> LiveCode | None:
    row = DeliveryCodes(s).find(purpose, binding, method)
    if row is None or row.account_id != account_id or row.code_hash is None:
        return None
    return LiveCode(row.id, row.account_id, row.purpose)


def digest_for(rt: Runtime, live: LiveCode, code: str) -> bytes | None:
    """The keyed hash of a typed code for this challenge; None if it is not 6 digits."""
    cleaned = dc.clean_code(code)
    if cleaned is None:
        return None
    return dc.hash_code(rt.secret_key, account_id=live.account_id, purpose=live.purpose,
                        challenge_id=live.row_id, code=cleaned)


def claim_live(s: DbSession, row_id: str, digest: bytes, now: datetime) -> bool:
    """Count the try, then use the code if it is the live one (in the caller's write)."""
    codes = DeliveryCodes(s)
    if codes.take_try(row_id, now) is None:
        return False  # used, expired, voided, or out of tries
    if not codes.claim(row_id, digest, now):
        return False
    mark_factor_used(s, row_id, now)
    return True


def enrollment_claim(rt: Runtime, row: Authenticator, code: str,
                     now: datetime) -> Callable[[DbSession], bool] | None:
    """For ``confirm()``: None when the code is wrong (its try is already counted), else
    the claim to run inside confirm's write transaction."""
    with rt.db.read() as s:
        live = load_live(s, row.account_id, row.type, "enroll", row.id)
    digest = digest_for(rt, live, code) if live is not None else None
    if live is None or digest is None:
        return None
    with rt.db.write() as s:
        codes = DeliveryCodes(s)
        counted = codes.take_try(live.row_id, now)
        stored = codes.get(live.row_id)
        ok = counted is not None and stored is not None and \
            dc.code_matches(stored.code_hash, digest)
        s.commit()
    if not ok:
        return None

    def claim(s: DbSession) -> bool:
        return DeliveryCodes(s).claim(live.row_id, digest, now) and \
            confirm_factor(s, row.id, now)

    return claim


def has_stronger_than_email(s: DbSession, account_id: str) -> bool:
    return any(t in STRONGER_THAN_EMAIL for t in Authenticators(s).confirmed_types(account_id))


def email_session_counts(rt: Runtime, account_id: str) -> bool:
    """An email-code session may make sensitive changes only on an account whose strongest
    factor is email: elsewhere, whoever holds the mailbox must not downgrade the account."""
    with rt.db.read() as s:
        return not has_stronger_than_email(s, account_id)


def email_code_allowed_now(s: DbSession, account_id: str, now: datetime) -> bool:
    """Whether this account's email factor may be a sign-in's second step right now: not
    when the password was just reset through that same mailbox (different channels)."""
    account = Accounts(s).get(account_id)
    if account is None or account.password_reset_at is None:
        return True
    return all(dc.email_code_allowed(destination, account.email, account.password_reset_at, now)
               for _, destination in Destinations(s).confirmed(account_id, Method.EMAIL))
