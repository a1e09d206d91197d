"""The guessing cap on passwords: failures are counted, not sign-ins.

Every attempt takes a ticket on the account's counter *before* its password is checked (one
atomic upsert, ``Throttles.take_ticket``), so parallel guesses can never get more passwords
checked than the cap allows. A right password clears the counter; a wrong one stays counted.
The attempt that reaches the cap locks the key provisionally and marks itself in flight; an
attempt that arrives meanwhile does not get a 429 at once but waits (briefly) for that
outcome: a right password frees the key, a wrong one turns the provisional lock into the real
back-off. So twenty people's worth of simultaneous right passwords all get in, while wrong
guesses are refused exactly as before.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import NoReturn

from secondlock.core.errors import RateLimitedError
from secondlock.core.i18n import nmsg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.throttle import ACCOUNT_LOGIN_POLICY, IP_LOGIN_POLICY, retry_after
from secondlock.services.activity import event
from secondlock.services.lockout_notices import notify_password_lock
from secondlock.services.runtime import Runtime
from secondlock.services.throttling import account_key, ip_key, record_failure, seconds_locked
from secondlock.storage.repositories import Accounts, Activity, Throttles

LOGIN_SCOPE = "login"
THROTTLED_LOG_INTERVAL = timedelta(minutes=1)
#: How long an attempt waits for the one in flight at the cap before it is refused (seconds
#: of real time: a password check takes well under one).
IN_FLIGHT_WAIT_SECONDS = 10.0
IN_FLIGHT_POLL_SECONDS = 0.05


def _in_flight(key: str) -> str:
    return f"{key}:in-flight"


class PasswordAttempts:
    """The account and IP counters of one sign-in attempt with a password."""

    def __init__(self, rt: Runtime, normal_email: str, info: RequestInfo) -> None:
        self.rt = rt
        self.info = info
        self.account_key = account_key(rt.secret_key, LOGIN_SCOPE, normal_email)
        self.keys = [self.account_key, ip_key(LOGIN_SCOPE, info.ip)]

    def begin(self) -> int:
        """Count this attempt before the password is checked; its number on the account.

        Raises:
            RateLimitedError: the account or the IP is locked.
        """
        deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
        while True:
            now = self.rt.clock.now()
            with self.rt.db.read() as s:
                # One statement, so the lock and its in-flight mark are seen together.
                locks = Throttles(s).locks_by_key([*self.keys, _in_flight(self.account_key)])
            ip_lock, account_lock, in_flight = (retry_after(locks.get(key), now) for key in (
                self.keys[1], self.account_key, _in_flight(self.account_key)))
            if ip_lock is not None:
                self._refuse()
            if account_lock is None:
                attempt = self._take_ticket(now)
                if attempt is not None:
                    return attempt
                continue  # locked meanwhile: look again
            if in_flight is None or time.monotonic() >= deadline:
                self._refuse()
            time.sleep(IN_FLIGHT_POLL_SECONDS)

    def _take_ticket(self, now: datetime) -> int | None:
        """The attempt's number, or None when the key was locked meanwhile."""
        policy = ACCOUNT_LOGIN_POLICY
        with self.rt.db.write() as s:
            throttles = Throttles(s)
            provisional = now + timedelta(seconds=policy.max_delay)
            attempt = throttles.take_ticket(
                self.account_key, now, lock_after=policy.free_failures,
                window_start=now - policy.window, provisional_until=provisional)
            if attempt is not None and attempt > policy.free_failures:
                throttles.hold(_in_flight(self.account_key), now, provisional)
            s.commit()
        return attempt

    def succeeded(self, throttles: Throttles) -> None:
        """A right password (inside the caller's transaction): only this account's counter
        is cleared, never the IP's."""
        throttles.reset(self.account_key)
        throttles.reset(_in_flight(self.account_key))

    def failed(self, attempt: int, *, account_id: str | None, reason: str) -> None:
        """A wrong password or unknown account: the real back-off, and a mail on a lock."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            # The attempt was counted up front. If it was past the free ones, its real
            # back-off replaces the provisional lock; an earlier attempt never clears a lock.
            lock = ACCOUNT_LOGIN_POLICY.locked_until(attempt, now)
            if lock is not None:
                Throttles(s).set_lock(self.account_key, lock)
                Throttles(s).reset(_in_flight(self.account_key))
            record_failure(s, self.keys[1], IP_LOGIN_POLICY, now)
            Activity(s).add(event(at=now, name="login", info=self.info, success=False,
                                  account_id=account_id, reason=reason, method=Method.PASSWORD))
            account = Accounts(s).get(account_id) if lock and account_id else None
            s.commit()
        if lock is not None and account is not None:
            notify_password_lock(self.rt, account.email, attempt,
                                 int((lock - now).total_seconds()), self.info)

    def _refuse(self) -> NoReturn:
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            # Read the lock again: a parallel attempt may just have set it.
            wait = seconds_locked(s, self.keys, now) or 1
            # One row a minute per IP is enough to see the attack; a row per refused attempt
            # would let an attacker grow the table at the speed of their requests.
            activity = Activity(s)
            if not activity.seen_since(event="login", reason="throttled", ip=self.info.ip,
                                       since=now - THROTTLED_LOG_INTERVAL):
                activity.add(event(at=now, name="login", info=self.info, success=False,
                                   reason="throttled", method=Method.PASSWORD))
            s.commit()
        raise RateLimitedError(wait, nmsg("Too many failed sign-ins. For your safety, wait "
                                          "%(n)d second before trying again.",
                                          "Too many failed sign-ins. For your safety, wait "
                                          "%(n)d seconds before trying again.", wait))
