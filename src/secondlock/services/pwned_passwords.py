"""The Pwned Passwords range API (k-anonymity), an option on top of the packaged blocklist.

With ``SECONDLOCK_PWNED_PASSWORDS=api`` each *new* password (sign-up, change, reset) is
also looked up in Have I Been Pwned's breach corpus: only the first five hex digits of
its SHA-1 leave the machine (``GET <base>/<PREFIX>``); the answer lists the suffixes of
every breached hash with that prefix (padded with zero-count decoys, ``Add-Padding``) and
the match is made here. Sign-ins never ask. A lookup that fails or takes longer than the
timeout lets the password through (fail-open: the local list was asked already) and logs
one line that names neither the password nor its hash.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Container
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: with its command line (rich, pygments, click) it adds
# ~6 MB to every worker, and most never send a text, a webhook or a Pwned Passwords query (#17).

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.pwnedpasswords.com/range/"
TIMEOUT_SECONDS = 2.0
PREFIX_LENGTH = 5


class PwnedPasswords:
    """``password in PwnedPasswords(...)``: is it in the breach corpus (as far as we know)?"""

    def __init__(self, base_url: str = DEFAULT_BASE_URL, *,
                 timeout: float = TIMEOUT_SECONDS,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._base_url = base_url if base_url.endswith("/") else base_url + "/"
        self._timeout = timeout
        self._transport = transport

    def __contains__(self, password: object) -> bool:
        if not isinstance(password, str):
            return False
        digest = hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).hexdigest()
        prefix, suffix = digest[:PREFIX_LENGTH].upper(), digest[PREFIX_LENGTH:].upper()
        import httpx

        try:
            with httpx.Client(timeout=self._timeout, transport=self._transport,
                              follow_redirects=False) as client:
                answer = client.get(self._base_url + prefix,
                                    headers={"Add-Padding": "true",
                                             "User-Agent": "SecondLock"})
            answer.raise_for_status()
            return _breached(answer.text, suffix)
        except (httpx.HTTPError, ValueError) as exc:
            # Never the password, its hash or its prefix: the kind of failure only.
            logger.warning("pwned passwords lookup failed (%s); the new password was checked "
                           "against the packaged list only", type(exc).__name__)
            return False


def _breached(body: str, suffix: str) -> bool:
    for line in body.splitlines():
        found, _, count = line.strip().partition(":")
        if found.upper() == suffix:
            return int(count or "0") > 0  # padding lines have a count of 0
    return False


@dataclass(frozen=True)
class AnyOf:
    """In the first container, or else in the second (asked only when the first says no)."""

    first: Container[str]
    second: Container[str]

    def __contains__(self, item: object) -> bool:
        return item in self.first or item in self.second
