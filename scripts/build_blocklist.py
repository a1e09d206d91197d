#!/usr/bin/env python3
"""Build src/secondlock/core/data/common-passwords.txt.gz from extracted password lists.

Standard library only. Each SOURCE is read in the order given and is expected to list
passwords most common first:

* ``*.json``: a JSON array of strings (e.g. ``@zxcvbn-ts/language-common``'s
  ``src/passwords.json``);
* anything else: UTF-8 text, one password per line (e.g. SecLists'
  ``10-million-password-list-top-1000000.txt``).

The file has three parts, in this order (issue 12: with a 15-character minimum only 72 of
the 100,000 most common passwords could ever match, so the list must cover long ones):

1. **common**: the first ``--limit`` distinct entries of the sources (most common first);
2. **long leaked**: every further source entry at least ``--long-min-length`` code points
   long (the long passwords people really chose, e.g. ``1qaz2wsx3edc4rfv``);
3. **generated** (unless ``--no-generate``), at least ``--long-min-length`` long, from the
   patterns those long leaked entries follow: keyboard walks, short common passwords
   repeated, common words and names joined to digit runs and years, two common words
   joined, and well-known phrases (with and without spaces).

The service adds rules on top (``secondlock.core.blocklist``): a common password wrapped
in digit runs, years or a few symbols (``password1234567890``) is refused without being
listed.

Every entry is normalised exactly as :class:`secondlock.core.blocklist.PasswordBlocklist`
normalises a candidate password (NFKC, case-folded, NFKC again; for ASCII that is plain
lower-casing). Entries shorter than 4 code points after normalisation and entries holding
control, format, surrogate, private-use or unassigned code points (Unicode category C*)
or line/paragraph separators are dropped; duplicates keep their first (most common)
position.

The output is gzip level 9 with a zero timestamp and no stored file name, so the same
inputs always give byte-identical output. See src/secondlock/core/data/README.md for the
sources and the exact command.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

MIN_LENGTH = 4
DEFAULT_LIMIT = 100_000
DEFAULT_LONG_MIN_LENGTH = 10
#: How many of the most common entries feed the generated patterns.
GENERATE_FROM = 2_000
PAIR_WORDS = 150
NUMBER_WORDS = 500
DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "secondlock"
    / "core"
    / "data"
    / "common-passwords.txt.gz"
)


def normalise(value: str) -> str:
    """Same key as secondlock.core.blocklist: NFKC, casefold, NFKC."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def has_bad_character(value: str) -> bool:
    """Control/format/surrogate/private-use/unassigned, or a line or paragraph separator."""
    return any(unicodedata.category(ch)[0] == "C" or ch in "\u2028\u2029" for ch in value)


def read_source(path: Path) -> Iterator[str]:
    if path.suffix == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
            raise SystemExit(f"{path}: expected a JSON array of strings")
        yield from data
        return
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            # Strip only the line ending: a leading or trailing space is part of a password.
            yield line.removesuffix("\n").removesuffix("\r")


class Kept:
    """Distinct normalised entries in the order they were first added."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.entries: list[str] = []

    def add(self, raw: str, min_length: int = MIN_LENGTH) -> str:
        """'added', 'duplicate', 'short' or 'bad'."""
        entry = normalise(raw)
        if has_bad_character(entry):
            return "bad"
        if len(entry) < max(min_length, MIN_LENGTH):
            return "short"
        if entry in self.seen:
            return "duplicate"
        self.seen.add(entry)
        self.entries.append(entry)
        return "added"


def build(sources: list[Path], limit: int, *, long_min_length: int = 0,
          generate: bool = False) -> list[str]:
    kept = Kept()
    rest: list[str] = []
    for path in sources:
        counts = {"read": 0, "added": 0, "duplicate": 0, "short": 0, "bad": 0}
        for raw in read_source(path):
            if limit and len(kept.entries) >= limit:
                if long_min_length:
                    rest.append(raw)
                    continue
                break
            counts["read"] += 1
            counts[kept.add(raw)] += 1
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(
            f"{path}: sha256 {digest}\n  read {counts['read']}, added {counts['added']}, "
            f"duplicates {counts['duplicate']}, shorter than {MIN_LENGTH}: {counts['short']}, "
            f"bad characters: {counts['bad']}",
            file=sys.stderr,
        )
    common = list(kept.entries)
    if long_min_length:
        before = len(kept.entries)
        for raw in rest:
            kept.add(raw, long_min_length)
        print(f"long leaked entries (>= {long_min_length}): {len(kept.entries) - before}",
              file=sys.stderr)
    if generate:
        for name, candidates in generated(common, max(long_min_length, MIN_LENGTH)):
            before = len(kept.entries)
            for candidate in candidates:
                kept.add(candidate, long_min_length)
            print(f"generated {name}: {len(kept.entries) - before}", file=sys.stderr)
    return kept.entries


# Generated patterns ----------------------------------------------------------------------

KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm",  # QWERTY
                 "qwertzuiop", "yxcvbnm",  # QWERTZ
                 "azertyuiop", "qsdfghjklm", "wxcvbn")  # AZERTY
DIGIT_RUNS = ("123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
              "1234567890", "0123456789", "987654321", "9876543210", "0987654321",
              "123123", "123321", "112233", "121212", "111111", "000000", "696969",
              "147258369", "159753", "123654", "7777777", "11111111", "1111111111",
              "12341234", "123456123456")
YEARS = tuple(str(year) for year in range(1950, 2031))
#: Well-known phrases people use as "passphrases" (song lines, sayings, film quotes, and
#: xkcd's famous example passphrase).
PHRASES = (
    "correct horse battery staple",
    "i love you", "i love you so much", "i love you forever", "i love my wife",
    "i love my husband", "i love my family", "i love my kids", "i love my dog",
    "i love my mom", "i love jesus", "jesus loves me", "jesus is lord", "god is good",
    "god is love", "god bless you", "god bless america", "in god we trust",
    "let me in", "let me in please", "open sesame", "change me", "change this password",
    "this is my password", "my password", "my password is password", "password password",
    "secret password", "super secret password", "top secret", "no password",
    "forgot my password", "i forgot my password", "what is my password", "new password",
    "welcome to the jungle", "welcome home", "hello world", "hello there", "hello kitty",
    "the quick brown fox jumps over the lazy dog",
    "the quick brown fox", "may the force be with you", "to be or not to be",
    "live long and prosper", "winter is coming", "you shall not pass", "i am your father",
    "i am the one", "i am batman", "i am iron man", "i am groot", "one ring to rule them all",
    "there is no place like home", "there is no spoon", "follow the white rabbit",
    "all you need is love", "love is all you need", "carpe diem", "hakuna matata",
    "live laugh love", "live love laugh", "just do it", "never give up", "never say never",
    "never forget", "stay strong", "keep calm and carry on", "keep it simple",
    "no pain no gain", "nothing else matters", "stairway to heaven", "highway to hell",
    "smells like teen spirit", "bohemian rhapsody", "hotel california", "sweet child o mine",
    "let it be", "let it go", "yellow submarine", "over the rainbow", "somewhere over the rainbow",
    "happy birthday", "merry christmas", "happy new year", "good morning", "good night",
    "sweet dreams", "peace and love", "peace love and happiness", "rock and roll",
    "rock n roll", "sex drugs and rock and roll", "the answer is 42", "fortytwo",
    "what the hell", "what the fuck", "fuck you", "fuck off", "fuck the world", "i hate you",
    "life is good", "life is beautiful", "life is short", "this is sparta", "game over",
    "trust no one", "the truth is out there", "i want to believe", "show me the money",
    "houston we have a problem", "beam me up scotty", "elementary my dear watson",
    "abracadabra", "supercalifragilisticexpialidocious", "once upon a time",
    "the cake is a lie", "all your base are belong to us", "do or do not there is no try",
    "i see dead people", "here is johnny", "go ahead make my day", "hasta la vista baby",
    "i will be back", "ill be back", "you only live once", "yolo swag", "the best is yet to come",
    "home sweet home", "better late than never", "practice makes perfect",
    "time is money", "knowledge is power", "money money money", "manchester united",
    "liverpool fc", "real madrid", "barcelona fc", "star wars", "harry potter",
    "lord of the rings", "game of thrones", "the walking dead", "breaking bad",
    "the lion king", "spider man", "super man", "bat man", "black widow", "captain america",
)
PHRASE_JOINERS = ("", " ", "_", "-", ".")


def keyboard_walks(min_length: int) -> Iterator[str]:
    rows = KEYBOARD_ROWS
    for row in rows:
        for text in (row, row[::-1]):
            for start in range(len(text)):
                for end in range(start + 4, len(text) + 1):
                    piece = text[start:end]
                    for repeat in (1, 2, 3):
                        yield piece * repeat
                    yield piece + piece[::-1]
    # whole rows one after another, as typed top to bottom (and with the digit row first)
    for layout in (rows[0:4], (rows[0], rows[4], rows[2], rows[5]), (rows[0], *rows[6:9])):
        for count in range(2, len(layout) + 1):
            for first in range(len(layout) - count + 1):
                picked = layout[first:first + count]
                for width in range(4, 11):
                    yield "".join(row[:width] for row in picked)
    # columns: 1qaz2wsx3edc..., zaq12wsx..., 1q2w3e4r...
    digit, top, home, bottom = rows[0], rows[1], rows[2], rows[3]
    columns = [digit[i] + top[i] + (home[i] if i < len(home) else "") +
               (bottom[i] if i < len(bottom) else "") for i in range(10)]
    for height in (2, 3, 4):
        cols = [column[:height] for column in columns]
        for count in range(2, 11):
            for first in range(0, 11 - count):
                picked = cols[first:first + count]
                yield "".join(picked)
                yield "".join(column[::-1] for column in picked)
                yield "".join(column if i % 2 == 0 else column[::-1]
                              for i, column in enumerate(picked))
    for count in range(4, 11):
        yield "".join(digit[i] + top[i] for i in range(count))
        yield "".join(top[i] + digit[i] for i in range(count))
    del min_length  # every walk is offered; Kept.add drops the short ones


def repeated(common: list[str]) -> Iterator[str]:
    for entry in common[:GENERATE_FROM]:
        if len(entry) <= 9:
            yield entry * 2
            yield entry * 3
            yield entry + entry[::-1]


def words(common: list[str]) -> list[str]:
    """The most common entries that are letters only: words and names."""
    return [entry for entry in common[:GENERATE_FROM * 5] if entry.isalpha()][:GENERATE_FROM]


def with_numbers(common: list[str]) -> Iterator[str]:
    """The most common words joined to digit runs. Only a sample: the service's rules refuse
    every common password wrapped in digit runs, years or symbols anyway."""
    for word in words(common)[:NUMBER_WORDS]:
        for digits in DIGIT_RUNS:
            yield word + digits
            yield word + digits + "!"
            yield digits + word
        for year in YEARS[-40:]:
            yield word + year


def word_pairs(common: list[str]) -> Iterator[str]:
    top = words(common)[:PAIR_WORDS]
    for first in top:
        for second in top:
            if first != second:
                yield first + second
                yield f"{first} {second}"


def phrases() -> Iterator[str]:
    for phrase in PHRASES:
        parts = phrase.split()
        for joiner in PHRASE_JOINERS:
            text = joiner.join(parts)
            for suffix in ("", "1", "!", "123", "1!"):
                yield text + suffix


def generated(common: list[str], min_length: int) -> list[tuple[str, Iterator[str]]]:
    return [("keyboard walks", keyboard_walks(min_length)),
            ("repeated common passwords", repeated(common)),
            ("common words with digit runs and years (a sample)", with_numbers(common)),
            ("two common words", word_pairs(common)),
            ("well-known phrases", phrases())]


def write_gzip(entries: list[str], output: Path) -> bytes:
    payload = "".join(f"{entry}\n" for entry in entries).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=buffer, mtime=0) as gz:
        gz.write(payload)
    data = buffer.getvalue()
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sources", nargs="+", type=Path, help="password lists, most common first")
    parser.add_argument(
        "--limit",
        type=int,
        default=DEFAULT_LIMIT,
        help=f"stop after this many distinct entries (default {DEFAULT_LIMIT}; 0 = all)",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the .txt.gz to write")
    parser.add_argument(
        "--long-min-length",
        type=int,
        default=DEFAULT_LONG_MIN_LENGTH,
        help="past --limit, keep source entries at least this long, and generate candidates "
        f"at least this long (default {DEFAULT_LONG_MIN_LENGTH}; 0 = neither)",
    )
    parser.add_argument("--no-generate", action="store_true",
                        help="leave out the generated patterns")
    args = parser.parse_args(argv)
    if args.limit < 0 or args.long_min_length < 0:
        parser.error("--limit and --long-min-length must be >= 0")
    entries = build(args.sources, args.limit, long_min_length=args.long_min_length,
                    generate=not args.no_generate and args.long_min_length > 0)
    if args.limit and len(entries) < args.limit:
        print(f"warning: only {len(entries)} entries, fewer than --limit", file=sys.stderr)
    data = write_gzip(entries, args.output)
    print(
        f"wrote {args.output}: {len(entries)} entries, {len(data)} bytes, "
        f"sha256 {hashlib.sha256(data).hexdigest()}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
