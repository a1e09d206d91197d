"""One-time codes sent by SMS or email: generation, keyed hashing, lifetime and resend rules.

No I/O. Rules (security checklist OOB-1..4):

- 6 decimal digits from ``secrets`` (a CSPRNG).
- Stored only as an HMAC-SHA256 keyed with the app secret and bound to the account, the
  purpose ("login", "reauth", "enroll") and the challenge id: a code (or its hash) lifted
  from one challenge is worthless in any other.
- Valid ``ttl`` minutes, never more than ``MAX_TTL_MINUTES``; at most ``TRIES_PER_CODE``
  tries per code; single use (the claim is one conditional UPDATE in storage).
- A resend makes a new code and voids the old one, keeps the failure count, and is refused
  during a cooldown that starts at ``FIRST_COOLDOWN_SECONDS`` and doubles with every send.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

CODE_DIGITS = 6
#: NIST SP 800-63B: an out-of-band secret is valid for 10 minutes at most.
MAX_TTL_MINUTES = 10
TRIES_PER_CODE = 5
FIRST_COOLDOWN_SECONDS = 30
MAX_COOLDOWN_SECONDS = 15 * 60
PURPOSES = ("login", "reauth", "enroll")


def new_code() -> str:
    """Six decimal digits, uniformly from the OS CSPRNG (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def clean_code(raw: str) -> str | None:
    """The digits the person typed (spaces and dashes dropped), or None if not a code."""
    if not isinstance(raw, str) or len(raw) > 32:
        return None
    digits = "".join(ch for ch in raw if ch not in " -\u00a0")
    if len(digits) != CODE_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


def hash_code(key: bytes, *, account_id: str, purpose: str, challenge_id: str,
              code: str) -> bytes:
    """HMAC-SHA256 of the code bound to account, purpose and challenge (32 bytes)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    message = "\x00".join(("secondlock-oob-code", account_id, purpose, challenge_id, code))
    return hmac.new(key, message.encode("ascii", "strict"), hashlib.sha256).digest()


def code_matches(stored: bytes | None, typed: bytes) -> bool:
    return stored is not None and hmac.compare_digest(stored, typed)


def code_ttl(minutes: int) -> timedelta:
    """The configured lifetime, never more than the 10 minute cap."""
    if minutes < 1:
        raise ValueError("a code must live at least a minute")
    return timedelta(minutes=min(minutes, MAX_TTL_MINUTES))


def cooldown_seconds(sends: int) -> int:
    """Seconds before the next send is allowed, after ``sends`` sends: 30, 60, 120 ... 900."""
    if sends <= 0:
        return 0
    return int(min(MAX_COOLDOWN_SECONDS, FIRST_COOLDOWN_SECONDS * 2 ** min(sends - 1, 20)))


def tries_left(tries: int, tries_at_issue: int) -> int:
    """Tries the current code still has; the count itself is never reset by a resend."""
    return max(0, TRIES_PER_CODE - (tries - tries_at_issue))


#: How long after a password reset through a mailbox its codes cannot be the second factor.
RESET_SEPARATION = timedelta(hours=24)


def email_code_allowed(destination: str, account_email: str,
                       password_reset_at: datetime | None, now: datetime) -> bool:
    """Whether an email code may be the second factor of this sign-in.

    The two factors must travel different channels: when the password was just reset
    through a link mailed to the account's address, a code mailed to that same mailbox
    proves nothing new (whoever holds the mailbox did both). Another mailbox, or a reset
    longer than ``RESET_SEPARATION`` ago, is fine. Addresses are compared in their
    normalised form (NFKC + casefold, as stored).
    """
    if password_reset_at is None:
        return True
    if destination.strip().casefold() != account_email.strip().casefold():
        return True
    return now - password_reset_at >= RESET_SEPARATION
