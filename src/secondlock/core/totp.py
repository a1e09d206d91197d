"""Time-based one-time passwords (RFC 6238) as authenticator apps expect them.

SHA-1, 6 digits, 30-second steps: Google Authenticator ignores other choices. Replay
protection is the caller's job: ``match_step`` only accepts steps after ``last_step`` and
the caller stores the returned step with a compare-and-set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime
from urllib.parse import quote

import pyotp

SECRET_BYTES = 20  # 160 bits, RFC 4226 R6's recommendation
PERIOD = 30
DIGITS = 6
MAX_DRIFT_STEPS = 2
_CODE = re.compile(r"^[0-9]{6}$")


def new_secret() -> str:
    """A fresh base32 secret (no padding) from the OS CSPRNG."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def otpauth_uri(secret: str, *, account: str, issuer: str) -> str:
    """``otpauth://totp/Issuer:account?secret=...&issuer=Issuer`` (Key URI Format)."""
    if ":" in issuer or ":" in account:
        raise ValueError("issuer and account name must not contain ':'")
    label = quote(f"{issuer}:{account}", safe=":@")
    return (f"otpauth://totp/{label}?secret={secret}&issuer={quote(issuer, safe='')}"
            f"&algorithm=SHA1&digits={DIGITS}&period={PERIOD}")


def group_secret(secret: str) -> str:
    """The secret in groups of four for typing by hand: ``ABCD EFGH ...``."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def clean_code(raw: object) -> str | None:
    """``"123 456"`` -> ``"123456"``; anything that is not six digits -> None."""
    if not isinstance(raw, str) or len(raw) > 16:
        return None
    code = raw.replace(" ", "").replace("-", "")
    return code if _CODE.match(code) else None


def current_step(at: datetime) -> int:
    return int(at.timestamp()) // PERIOD


def match_step(secret: str, code: str, *, at: datetime, last_step: int | None,
               drift: int = 1) -> int | None:
    """The time step the code belongs to, or None.

    Accepts steps ``T-drift .. T+drift`` that are later than ``last_step`` (a replay or an
    older code after a newer one is refused, RFC 6238 section 5.2). Comparison is constant-time.
    """
    if not 0 <= drift <= MAX_DRIFT_STEPS:
        raise ValueError(f"drift must be between 0 and {MAX_DRIFT_STEPS} steps")
    cleaned = clean_code(code)
    if cleaned is None:
        return None
    key = _key(secret)  # decoded once, not once per step as pyotp does
    typed = cleaned.encode("ascii")
    now_step = current_step(at)
    matched: int | None = None
    for step in range(now_step - drift, now_step + drift + 1):
        # Check every step (no early exit) so timing does not reveal which one matched.
        if hmac.compare_digest(typed, _code(key, step)) and (
                last_step is None or step > last_step) and matched is None:
            matched = step
    return matched


def _key(secret: str) -> bytes:
    """The base32 secret's bytes (apps leave the padding off; case does not matter)."""
    return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)


def _code(key: bytes, step: int) -> bytes:
    """The code of ``step`` (RFC 4226 HOTP with the step as counter, dynamic truncation)."""
    digest = hmac.digest(key, step.to_bytes(8, "big"), hashlib.sha1)
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return b"%06d" % (number % 10 ** DIGITS)


def code_at(secret: str, at: datetime) -> str:
    """The code an app shows at ``at`` (tests and the dev tools use it)."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).generate_otp(current_step(at))
