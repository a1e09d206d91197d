"""Email address rules: syntax and the normal form used for uniqueness."""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

from secondlock.core.errors import InvalidEmailError
from secondlock.core.i18n import msg

MAX_EMAIL_LENGTH = 254


def normalise_email(raw: str) -> str:
    """Return the canonical form of an address, or raise InvalidEmailError.

    ``Ada@Example.com`` and ``ada@example.com`` are one account, but no character ever turns
    into another one: case folding would make ``anna@straße.de`` into ``anna@strasse.de``,
    a different registered domain. So:

    * the domain is the IDNA form of what was typed (UTS #46 non-transitional mapping, done
      by email-validator with the ``idna`` package): lower case, ``ß`` and ``ς`` kept, shown
      as Unicode; it encodes back to exactly the A-label that mail goes to;
    * the local part is NFKC-normalised and each character lower-cased on its own, only
      where that gives exactly one character (a capital sigma becomes a small one; ``ß``
      stays ``ß``).

    ASCII addresses come out exactly as before this rule changed (issue 12), so stored
    accounts are found as before. No DNS lookup: start-up and tests stay offline.
    """
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_EMAIL_LENGTH:
        raise InvalidEmailError(msg("Enter a valid email address, like name@example.com."))
    candidate = unicodedata.normalize("NFKC", raw.strip())
    try:
        info = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidEmailError(msg("Enter a valid email address, like name@example.com.")) from exc
    return f"{_lower_each(info.local_part)}@{info.domain}"


def _lower_each(text: str) -> str:
    """Lower-case character by character, never mapping one character to several."""
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def lookup_form(raw: object) -> str:
    """The form an address is looked up and throttled by, for any input: the normal form of
    a valid address; anything else stripped, case-folded and cut to the longest address, so
    that every input has one key to count failures on.

    A plain ASCII address with no IDNA label (``xn--``) comes out of either way as itself,
    stripped and in lower case: NFKC leaves ASCII alone, email-validator lower-cases an
    ASCII domain and keeps the local part, and the folded form is the same. So that is all
    it costs (#17): a sign-in, and every request of a credential-stuffing flood, skips the
    validator's syntax and IDNA checks (about 25 us). The tests compare both ways.

    Worked out afresh on every call, on purpose: remembering recent addresses would answer
    an address someone tried lately a little faster, a timing hint that it is a real
    shopper's (PW-8).
    """
    if isinstance(raw, str):
        stripped = raw.strip()
        if stripped.isascii():
            folded = stripped.lower()
            if "xn--" not in folded:
                return folded[:MAX_EMAIL_LENGTH]
    try:
        return normalise_email(raw)  # type: ignore[arg-type]  # it refuses what is no str
    except InvalidEmailError:
        return str(raw).strip().casefold()[:MAX_EMAIL_LENGTH]
