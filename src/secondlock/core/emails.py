"""Email address rules: syntax and the normal form used for uniqueness."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from secondlock.core.errors import InvalidEmailError
from secondlock.core.i18n import msg

MAX_EMAIL_LENGTH = 254


def normalise_email(raw: str) -> str:
    """Return the canonical form of an address, or raise InvalidEmailError.

    The whole address is NFKC-normalised and case-folded so that ``Ada@Example.com`` and
    ``ada@example.com`` are one account. No DNS lookup: start-up and tests stay offline.
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_EMAIL_LENGTH:
        raise InvalidEmailError(msg("Enter a valid email address, like name@example.com."))
    candidate = unicodedata.normalize("NFKC", raw.strip())
    try:
        info = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmailError(msg("Enter a valid email address, like name@example.com.")) from exc
    return info.normalized.casefold()
