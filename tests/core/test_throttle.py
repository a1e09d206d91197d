from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secondlock.core.throttle import ACCOUNT_LOGIN_POLICY, BackoffPolicy, retry_after

POLICY = BackoffPolicy(free_failures=5, base_delay=30, max_delay=3600, window=timedelta(hours=1))
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def test_free_failures_do_not_lock() -> None:
    assert [POLICY.lock_for(n) for n in range(6)] == [0, 0, 0, 0, 0, 0]


def test_back_off_doubles_then_caps() -> None:
    assert [POLICY.lock_for(n) for n in (6, 7, 8, 9)] == [30, 60, 120, 240]
    assert POLICY.lock_for(50) == 3600
    assert POLICY.lock_for(10**9) == 3600


def test_retry_after_rounds_up_and_is_none_when_open() -> None:
    assert retry_after(NOW + timedelta(seconds=1.2), NOW) == 2
    assert retry_after(NOW, NOW) is None
    assert retry_after(None, NOW) is None


def test_account_policy_locks_well_before_nist_cap_of_100() -> None:
    first_lock = next(n for n in range(1, 101) if ACCOUNT_LOGIN_POLICY.lock_for(n))
    assert first_lock <= 10
