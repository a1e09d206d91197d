"""Blocklist of common and breached passwords (NIST SP 800-63B section 5.1.1.2).

The packaged list, ``data/common-passwords.txt.gz``, holds the 100,000 most common
passwords of the SecLists "10 million password list" (see ``data/README.md`` for where it
comes from and how to rebuild it with ``scripts/build_blocklist.py``).
"""

from __future__ import annotations

import gzip
import unicodedata
from collections.abc import Iterable
from importlib import resources

__all__ = ["DEFAULT_LIST_RESOURCE", "PasswordBlocklist", "blocklist_key"]

#: File name of the packaged list inside ``secondlock.core.data``.
DEFAULT_LIST_RESOURCE = "common-passwords.txt.gz"


def blocklist_key(password: str) -> str:
    """The form that is compared: NFKC, case-folded, then NFKC again.

    Case folding can undo NFKC for a few characters, hence the second pass (Unicode's
    NFKC_Casefold idea). For ASCII this is plain lower-casing, which is taken as a fast path
    (NFKC leaves ASCII unchanged and casefold() of ASCII is lower()).
    """
    if password.isascii():
        return password.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", password).casefold())


class PasswordBlocklist:
    """Common and breached passwords, matched case-insensitively on the NFKC form."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[str]) -> None:
        self._entries: frozenset[str] = frozenset(blocklist_key(entry) for entry in entries)

    @classmethod
    def load_default(cls, *, min_length: int = 0) -> PasswordBlocklist:
        """Read the packaged list. Each call reads and decompresses it again: cache the result.

        ``min_length``: leave out entries shorter than this. The service passes its minimum
        password length: a shorter password is refused before the blocklist is asked, so
        those entries (60% of the list at 8) would only cost memory.
        """
        compressed = (
            resources.files("secondlock.core.data").joinpath(DEFAULT_LIST_RESOURCE).read_bytes()
        )
        text = gzip.decompress(compressed).decode("utf-8")
        # split("\n"), not splitlines(): the latter also splits on \x1c-\x1e, \x85, \u2028...
        return cls(line for line in text.split("\n") if line and len(line) >= min_length)

    def __contains__(self, password: object) -> bool:
        if not isinstance(password, str):
            return False
        return blocklist_key(password) in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self._entries)} entries>"
