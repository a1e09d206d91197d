#!/usr/bin/env python3
"""Build src/secondlock/core/data/common-passwords.txt.gz from extracted password lists.

Standard library only. Each SOURCE is read in the order given and is expected to list
passwords most common first:

* ``*.json``: a JSON array of strings (e.g. ``@zxcvbn-ts/language-common``'s
  ``src/passwords.json``);
* anything else: UTF-8 text, one password per line (e.g. SecLists'
  ``10-million-password-list-top-1000000.txt``).

Every entry is normalised exactly as :class:`secondlock.core.blocklist.PasswordBlocklist`
normalises a candidate password (NFKC, case-folded, NFKC again; for ASCII that is plain
lower-casing). Entries shorter than 4 code points after normalisation and entries holding
control, format, surrogate, private-use or unassigned code points (Unicode category C*)
or line/paragraph separators are dropped; duplicates keep their first (most common)
position. Reading stops once ``--limit`` distinct entries have been kept (0: no limit).

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


def build(sources: list[Path], limit: int) -> list[str]:
    seen: set[str] = set()
    kept: list[str] = []
    for path in sources:
        read = short = bad = duplicate = added = 0
        for raw in read_source(path):
            if limit and len(kept) >= limit:
                break
            read += 1
            entry = normalise(raw)
            if has_bad_character(entry):
                bad += 1
            elif len(entry) < MIN_LENGTH:
                short += 1
            elif entry in seen:
                duplicate += 1
            else:
                seen.add(entry)
                kept.append(entry)
                added += 1
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(
            f"{path}: sha256 {digest}\n  read {read}, added {added}, duplicates {duplicate}, "
            f"shorter than {MIN_LENGTH}: {short}, bad characters: {bad}",
            file=sys.stderr,
        )
    return kept


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
    args = parser.parse_args(argv)
    if args.limit < 0:
        parser.error("--limit must be >= 0")
    entries = build(args.sources, args.limit)
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
