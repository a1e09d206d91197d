"""SMS/email code rules: generation, keyed hash binding, lifetime cap, cooldown, tries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secondlock.core import sms_email_codes as dc
from secondlock.core.send_limits import HOUR, Budget, first_exceeded

KEY = b"k" * 32
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_codes_are_six_digits_and_not_predictable() -> None:
    codes = {dc.new_code() for _ in range(2000)}
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    assert len(codes) > 1900


@pytest.mark.parametrize(("typed", "clean"), [("123456", "123456"), (" 123 456 ", "123456"),
                                              ("123-456", "123456"), ("12345", None),
                                              ("\uff11\uff12\uff13\uff14\uff15\uff16", None),
                                              ("abcdef", None),
                                              ("1" * 40, None)])
def test_clean_code(typed: str, clean: str | None) -> None:
    assert dc.clean_code(typed) == clean


def test_hash_is_keyed_and_bound_to_account_purpose_and_challenge() -> None:
    base = {"account_id": "a", "purpose": "login", "challenge_id": "c", "code": "123456"}
    digest = dc.hash_code(KEY, **base)
    assert len(digest) == 32
    assert dc.code_matches(digest, dc.hash_code(KEY, **base))
    for change in ({"account_id": "b"}, {"purpose": "reauth"}, {"challenge_id": "d"},
                   {"code": "123457"}):
        assert not dc.code_matches(digest, dc.hash_code(KEY, **{**base, **change}))
    assert not dc.code_matches(digest, dc.hash_code(b"x" * 32, **base))
    assert not dc.code_matches(None, digest)
    with pytest.raises(ValueError, match="purpose"):
        dc.hash_code(KEY, **{**base, "purpose": "other"})


def test_lifetime_is_never_more_than_ten_minutes() -> None:
    assert dc.code_ttl(5) == timedelta(minutes=5)
    assert dc.code_ttl(60) == timedelta(minutes=10)


def test_cooldown_starts_at_30_seconds_and_grows() -> None:
    assert [dc.cooldown_seconds(n) for n in range(0, 7)] == [0, 30, 60, 120, 240, 480, 900]
    assert dc.cooldown_seconds(50) == 900


def test_five_tries_per_code_counted_from_its_issue() -> None:
    assert dc.tries_left(0, 0) == 5
    assert dc.tries_left(5, 0) == 0
    assert dc.tries_left(7, 5) == 3  # a resend gives the new code its tries, count kept


def test_email_code_allowed_keeps_the_two_factors_on_different_channels() -> None:
    reset = NOW - timedelta(minutes=5)
    assert dc.email_code_allowed("ada@example.com", "ada@example.com", None, NOW)
    assert not dc.email_code_allowed("ada@example.com", "ada@example.com", reset, NOW)
    assert not dc.email_code_allowed(" Ada@Example.com", "ada@example.com", reset, NOW)
    assert dc.email_code_allowed("backup@example.org", "ada@example.com", reset, NOW)
    assert dc.email_code_allowed("ada@example.com", "ada@example.com",
                                 NOW - dc.RESET_SEPARATION, NOW)


def test_first_exceeded_budget_and_when_it_frees_up() -> None:
    budget = Budget("destination", HOUR, 3)
    assert first_exceeded([(budget, 2, NOW - timedelta(minutes=10))], NOW) is None
    refusal = first_exceeded([(budget, 3, NOW - timedelta(minutes=10))], NOW)
    assert refusal is not None
    assert refusal.retry_after == 50 * 60
