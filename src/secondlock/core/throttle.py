"""Progressive back-off for failed attempts: pure policy, the counters live in storage."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class BackoffPolicy:
    """``free_failures`` go unpunished; each one after that doubles the wait.

    After failure number ``free_failures + n`` (n >= 1) the key is locked for
    ``base_delay * 2**(n-1)`` seconds, capped at ``max_delay``. Failures older than
    ``window`` are forgotten, so an idle key starts fresh.
    """

    free_failures: int
    base_delay: float
    max_delay: float
    window: timedelta

    def lock_for(self, failures: int) -> float:
        """Seconds to lock after the ``failures``-th consecutive failure (0 = no lock)."""
        over = failures - self.free_failures
        if over <= 0:
            return 0.0
        # Cap the exponent so huge counts never overflow.
        return float(min(self.max_delay, self.base_delay * 2 ** min(over - 1, 40)))

    def locked_until(self, failures: int, now: datetime) -> datetime | None:
        seconds = self.lock_for(failures)
        return now + timedelta(seconds=seconds) if seconds else None


def retry_after(locked_until: datetime | None, now: datetime) -> int | None:
    """Whole seconds until the lock lifts, or None when not locked."""
    if locked_until is None or locked_until <= now:
        return None
    return max(1, math.ceil((locked_until - now).total_seconds()))


#: Failed sign-ins per account (keyed by the normalised email, known or not).
ACCOUNT_LOGIN_POLICY = BackoffPolicy(
    free_failures=5, base_delay=30, max_delay=3600, window=timedelta(hours=24)
)
#: Consecutive failed second-factor attempts per account (all methods, all sessions, all
#: IPs). Every 10th failure locks, for 15 minutes and then twice as long each time.
MFA_LOCK_EVERY = 10
#: NIST SP 800-63B: never more than 100 consecutive failures. At 100 the second step stays
#: locked until an operator unlocks it (``secondlock admin unlock``).
MFA_HARD_LIMIT = 100
MFA_FIRST_LOCK_SECONDS = 15 * 60
MFA_MAX_LOCK_SECONDS = 24 * 3600


def mfa_lock_seconds(failures: int) -> float | None:
    """How long to lock after the ``failures``-th consecutive failure; None = no lock."""
    if failures >= MFA_HARD_LIMIT:
        return float(100 * 365 * 24 * 3600)
    if failures <= 0 or failures % MFA_LOCK_EVERY:
        return None
    rounds = failures // MFA_LOCK_EVERY
    return float(min(MFA_MAX_LOCK_SECONDS, MFA_FIRST_LOCK_SECONDS * 2 ** min(rounds - 1, 20)))


#: Failed sign-ins per client IP (IPv6 grouped by /64), across all accounts.
IP_LOGIN_POLICY = BackoffPolicy(
    free_failures=30, base_delay=60, max_delay=3600, window=timedelta(hours=1)
)
