from __future__ import annotations

import re

from secondlock.core import recovery_codes as rc


def test_ten_distinct_typeable_codes_of_at_least_64_bits() -> None:
    codes = rc.generate()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert rc.ENTROPY_BITS >= 64
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", code)
        assert not set(code) & set("01ilo")  # no look-alikes


def test_normalise_accepts_case_dashes_and_spaces() -> None:
    assert rc.normalise("ABCD-EFGH-JKMN-PQRS") == "abcdefghjkmnpqrs"
    assert rc.normalise(" abcd efgh jkmn pqrs ") == "abcdefghjkmnpqrs"
    assert rc.normalise("abcd-efgh-jkmn-pqr") is None
    assert rc.normalise("abcd-efgh-jkmn-pqr0") is None
    assert rc.normalise(None) is None


def test_hash_is_salted_and_matches_only_its_code() -> None:
    code = rc.generate(1)[0]
    first, second = rc.hash_code(code), rc.hash_code(code)
    assert first != second
    assert first.startswith("$argon2id$")
    compact = rc.normalise(code)
    assert compact is not None
    assert rc.matches(first, compact)
    assert rc.matches(second, compact)
    other = rc.normalise(rc.generate(1)[0])
    assert other is not None
    assert not rc.matches(first, other)
    assert not rc.matches("garbage", compact)
