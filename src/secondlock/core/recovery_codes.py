"""Recovery codes: ten single-use codes like ``k7dq-m2xp-94tf-h3ne`` (>= 64 bits each).

The alphabet leaves out look-alikes (0/o, 1/l/i). Codes are stored only as salted argon2id
hashes (checklist RC-2: under 112 bits needs a salted password hash; a low work factor is
fine because each code has ~79 bits of entropy).
"""

from __future__ import annotations

import math
import secrets

from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from secondlock.core.argon2_block import BlockPasswordHasher, argon2_thread

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
GROUPS = 4
GROUP_LENGTH = 4
CODE_LENGTH = GROUPS * GROUP_LENGTH
CODE_COUNT = 10
ENTROPY_BITS = CODE_LENGTH * math.log2(len(ALPHABET))
LOW_CODES_THRESHOLD = 3

_HASHER = BlockPasswordHasher(time_cost=1, memory_cost=4096, parallelism=1, type=Type.ID)
# Every hash and check runs on the process's argon2 thread (#17), in the block it keeps for
# passwords (``core.argon2_block``). Run on whichever request thread came along, every
# request thread that ever touched a recovery code would keep a block: with 16, 64 MB.


def generate(count: int = CODE_COUNT) -> list[str]:
    """``count`` distinct codes in their display form."""
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        codes.add(format_code(raw))
    return sorted(codes)


def format_code(raw: str) -> str:
    return "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def normalise(raw: object) -> str | None:
    """Accept any case, with or without dashes and spaces; None when it cannot be a code."""
    if not isinstance(raw, str) or len(raw) > 64:
        return None
    compact = raw.replace("-", "").replace(" ", "").strip().lower()
    if len(compact) != CODE_LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return compact


def hash_code(code: str) -> str:
    compact = normalise(code)
    if compact is None:
        raise ValueError("not a recovery code")
    return argon2_thread().submit(_HASHER.hash, compact).result()


def matches(stored_hash: str, compact: str) -> bool:
    return argon2_thread().submit(_matches, stored_hash, compact).result()


def _matches(stored_hash: str, compact: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, compact)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
