"""Failure counters shared by all processes (in the database) with progressive back-off."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.core.network import throttle_group
from secondlock.core.throttle import BackoffPolicy, retry_after
from secondlock.core.tokens import keyed_digest
from secondlock.storage.repositories import Activity, ActivityRow, Throttles
from secondlock.storage.repositories.throttles import Refused


def account_key(secret: bytes, scope: str, email: str) -> str:
    """Keyed by a digest of the normalised email, known or not, so a lock reveals nothing."""
    return f"{scope}:acct:{keyed_digest(secret, scope, email)[:40]}"


def ip_key(scope: str, ip: str) -> str:
    return f"{scope}:ip:{throttle_group(ip)}"


def seconds_locked(s: DbSession, keys: list[str], now: datetime) -> int | None:
    """Longest remaining lock among the keys, in seconds, or None when all are open."""
    waits = [w for w in (retry_after(lock, now) for lock in Throttles(s).locks(keys)) if w]
    return max(waits) if waits else None


def record_failure(s: DbSession, key: str, policy: BackoffPolicy, now: datetime) -> int:
    """Count a failure atomically and lock the key when the policy says so."""
    throttles = Throttles(s)
    failures = throttles.record_failure(key, now, now - policy.window)
    lock = policy.locked_until(failures, now)
    if lock is not None:
        throttles.set_lock(key, lock)
    return failures


def take_hourly_tickets(s: DbSession, limits: list[tuple[str, int]], now: datetime) -> bool:
    """Count one request against each (key, limit per hour); False when one is used up.

    The request that reaches a limit is allowed and locks its key for an hour, so exactly
    ``limit`` requests pass."""
    hour = timedelta(hours=1)
    for key, limit in limits:
        ticket = Throttles(s).take_ticket(key, now, lock_after=limit - 1,
                                          window_start=now - hour, provisional_until=now + hour)
        if ticket is None:
            return False
    return True


def refused_detail(refused: Refused) -> str:
    """How a summary row stores its count and end, read back by ``services.activity``."""
    return f"refused={refused.count};until={refused.until.isoformat()}"


def record_refused(s: DbSession, refused: Refused | None, *, name: str, method: str,
                   account_id: str | None, ip: str = "-") -> None:
    """One activity row for all the attempts refused while a key was locked ("and 4,211 more
    refused attempts until 14:05"), instead of one row each (#17). ``ip`` is "-" for an
    account's key: the refused attempts may have come from anywhere."""
    if refused is None:
        return
    Activity(s).add(ActivityRow(at=refused.since, account_id=account_id, event=name,
                                success=False, reason="throttled", method=method, ip=ip,
                                user_agent="", detail=refused_detail(refused)))
