"""Blocklist of common and breached passwords (NIST SP 800-63B section 5.1.1.2).

The packaged list, ``data/common-passwords.txt.gz``, holds the 100,000 most common
passwords of the SecLists "10 million password list", then that list's long entries, then
long candidates generated from the patterns they follow (see ``data/README.md`` for where
it comes from and how to rebuild it with ``scripts/build_blocklist.py``).

Listing is not enough for long passwords: ``password1234567890`` is not in any list, but it
is the second-most common password followed by a digit run. So a password is also refused
when it is a *common base* (a common password without its leading and trailing digits and
symbols, or such a base repeated) wrapped in predictable decoration: digit runs
(``123456789``, ``0987``), one repeated digit, a short repeated digit pattern, a year or a
date, up to four other digits, and up to three symbols on either side.
"""

from __future__ import annotations

import gzip
import heapq
import io
import unicodedata
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from importlib import resources
from itertools import chain, groupby, islice, pairwise

__all__ = ["DEFAULT_LIST_RESOURCE", "PasswordBlocklist", "blocklist_key", "is_predictable"]

#: File name of the packaged list inside ``secondlock.core.data``.
DEFAULT_LIST_RESOURCE = "common-passwords.txt.gz"
#: How many of the most common entries give the bases that the rules look for.
BASE_ENTRIES = 20_000
#: Shortest base the rules look for: shorter ones ("abc", "qw") would refuse too much.
MIN_BASE_LENGTH = 4
#: Digits and the symbols people add around a word ("!", "@", "#", ".").
DECORATION = frozenset("0123456789!@#$%^&*()_+-=.,;:?~'\"/\\|<>[]{}` ")
MAX_SYMBOLS = 3
MAX_FREE_DIGITS = 4
#: Hashes sorted at a time while loading: sorting needs a Python int (about 48 bytes with
#: its list slot) per hash, so a chunk at a time keeps the start-up peak low (issue #17).
SORT_CHUNK = 1 << 15


def blocklist_key(password: str) -> str:
    """The form that is compared: NFKC, case-folded, then NFKC again.

    Case folding can undo NFKC for a few characters, hence the second pass (Unicode's
    NFKC_Casefold idea). For ASCII this is plain lower-casing, which is taken as a fast path
    (NFKC leaves ASCII unchanged and casefold() of ASCII is lower()).
    """
    if password.isascii():
        return password.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", password).casefold())


class _HashedSet:
    """A sorted array of 64-bit string hashes: membership by binary search.

    Python's own ``hash()`` of a string (SipHash with a per-process key) is computed in C,
    so loading a few hundred thousand entries stays fast, and it takes 8 bytes an entry
    instead of a string object (about 60). Two different entries sharing a hash among a few
    hundred thousand has a probability around 10^-9; the cost would be a password refused
    as common, never one let through.
    """

    __slots__ = ("_hashes",)

    def __init__(self, keys: Iterable[str]) -> None:
        unsorted = array("q", map(hash, keys))  # 8 bytes an entry while loading
        # Sorting all of them at once took a list of ints of ~15 MB at start-up (#17):
        # sort chunks, then merge them one value at a time.
        runs = [_unique(sorted(unsorted[start:start + SORT_CHUNK]))
                for start in range(0, len(unsorted), SORT_CHUNK)]
        del unsorted
        self._hashes = runs[0] if len(runs) == 1 else _unique(heapq.merge(*runs))

    def __contains__(self, key: str) -> bool:
        value = hash(key)
        i = bisect_left(self._hashes, value)
        return i < len(self._hashes) and self._hashes[i] == value

    def __len__(self) -> int:
        return len(self._hashes)


class PasswordBlocklist:
    """Common and breached passwords, matched case-insensitively on the NFKC form, plus the
    rules for common passwords wrapped in digit runs, years and symbols."""

    __slots__ = ("_bases", "_entries")

    def __init__(self, entries: Iterable[str], *, bases: Iterable[str] = (),
                 normalised: bool = False) -> None:
        """``bases``: the common passwords the rules look for around digits and symbols
        (``load_default`` passes the most common entries; a list given here matches its
        entries exactly, plus the rules that need no base: digit runs and repeats).
        ``normalised``: every entry and base is a ``blocklist_key`` already."""
        key = (lambda value: value) if normalised else blocklist_key
        self._entries = _HashedSet(map(key, entries))
        self._bases = frozenset(_bases_of(map(key, bases)))

    @classmethod
    def load_default(cls, *, min_length: int = 0) -> PasswordBlocklist:
        """Read the packaged list. Each call reads and decompresses it again: cache the result.

        ``min_length``: leave out entries shorter than this. The service passes its minimum
        password length: a shorter password is refused before the blocklist is asked, so
        those entries would only cost memory. The bases for the rules come from the
        ``BASE_ENTRIES`` most common entries whatever their length.
        """
        resource = resources.files("secondlock.core.data").joinpath(DEFAULT_LIST_RESOURCE)
        # Read as a stream, a line at a time: the whole list as strings took ~20 MB more at
        # every start (#17). newline="\n": split on "\n" only, not on \x1c-\x1e, \x85...
        with resource.open("rb") as raw, gzip.GzipFile(fileobj=raw) as unzipped, \
                io.TextIOWrapper(unzipped, encoding="utf-8", newline="\n") as text:
            lines = (line.removesuffix("\n") for line in text)
            head = list(islice(lines, BASE_ENTRIES))
            # The file holds blocklist keys already (scripts/build_blocklist.py normalises).
            entries = (line for line in chain(head, lines) if line and len(line) >= min_length)
            blocklist = cls(entries, normalised=True)
        blocklist._bases = frozenset(_bases_of(line for line in head if line))
        return blocklist

    def __contains__(self, password: object) -> bool:
        if not isinstance(password, str):
            return False
        key = blocklist_key(password)
        return key in self._entries or is_predictable(key, self._bases)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self._entries)} entries, {len(self._bases)} bases>"


def _unique(ordered: Iterable[int]) -> array[int]:
    return array("q", (value for value, _ in groupby(ordered)))


def _bases_of(keys: Iterable[str]) -> Iterator[str]:
    for key in keys:
        core = _split(key)[1]
        if len(core) >= MIN_BASE_LENGTH:
            yield core


def _split(key: str) -> tuple[str, str, str]:
    """(leading decoration, core, trailing decoration)."""
    start = 0
    while start < len(key) and key[start] in DECORATION:
        start += 1
    end = len(key)
    while end > start and key[end - 1] in DECORATION:
        end -= 1
    return key[:start], key[start:end], key[end:]


def is_predictable(key: str, bases: frozenset[str]) -> bool:
    """A common base (or one repeated) with only predictable digits and symbols around it,
    or nothing but a predictable run of digits. ``key`` is a ``blocklist_key``."""
    before, core, after = _split(key)
    if not core:
        return _predictable_digits("".join(ch for ch in key if ch.isdigit()), free=0) \
            and sum(not ch.isdigit() for ch in key) <= MAX_SYMBOLS
    if not (core in bases or _repeats_a_base(core, bases)):
        return False
    return _predictable_decoration(before) and _predictable_decoration(after)


def _repeats_a_base(core: str, bases: frozenset[str]) -> bool:
    for period in range(1, len(core) // 2 + 1):
        if len(core) % period == 0 and core[:period] * (len(core) // period) == core:
            return core[:period] in bases or (period <= 3 and len(core) // period >= 3)
    return False


def _predictable_decoration(text: str) -> bool:
    digits = "".join(ch for ch in text if ch.isdigit())
    symbols = len(text) - len(digits)
    return symbols <= MAX_SYMBOLS and _predictable_digits(digits, free=MAX_FREE_DIGITS)


def _predictable_digits(digits: str, *, free: int) -> bool:
    """Up to ``free`` digits of any kind; longer: runs, repeats, years and dates."""
    if len(digits) <= free:
        return True
    if len(digits) < 4 and free == 0:
        return False
    return (_runs(digits) <= 2 or _periodic(digits) or _is_date(digits)
            or (len(digits) == 4 and digits[:2] in ("19", "20")))


def _runs(digits: str) -> int:
    """How many steady runs (each digit one up, one down or the same, wrapping 9 to 0) make
    up ``digits``: ``1234567890`` is 1, ``123456789987654321`` is 2."""
    runs, step = 1, None
    for previous, current in pairwise(digits):
        delta = (int(current) - int(previous)) % 10
        if delta not in (0, 1, 9):
            return len(digits)  # not a run at all
        if step is None:
            step = delta
        elif delta != step:
            runs += 1
            step = None
    return runs


def _periodic(digits: str) -> bool:
    """A short pattern said again and again: ``121212``, ``20242024``, ``147147147``."""
    for period in range(1, 5):
        if len(digits) >= 2 * period and len(digits) % period == 0 \
                and digits[:period] * (len(digits) // period) == digits:
            return True
    return False


def _is_date(digits: str) -> bool:
    """DDMMYYYY, MMDDYYYY, YYYYMMDD, DDMMYY or MMDDYY."""
    def day_month(day: str, month: str) -> bool:
        return 1 <= int(day) <= 31 and 1 <= int(month) <= 12

    def year(text: str) -> bool:
        return len(text) == 2 or text[:2] in ("19", "20")

    if len(digits) == 8:
        return (year(digits[4:]) and (day_month(digits[:2], digits[2:4])
                                      or day_month(digits[2:4], digits[:2]))) \
            or (year(digits[:4]) and day_month(digits[6:], digits[4:6]))
    if len(digits) == 6:
        return day_month(digits[:2], digits[2:4]) or day_month(digits[2:4], digits[:2])
    return False
