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
from secondlock.services.lockout_notices import queue_password_lock
from secondlock.services.runtime import Runtime
from secondlock.services.throttling import account_key, ip_key, record_failure, record_refused
from secondlock.storage.repositories import Accounts, Activity, Throttles
from secondlock.storage.repositories.throttles import Counters

LOGIN_SCOPE = "login"
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

    def begin(self, *, wait_first: bool = False) -> int:
        """Count this attempt before the password is checked; its number on the account.
        ``wait_first``: a ``look`` already found the attempt in flight at the cap.

        Raises:
            RateLimitedError: the account or the IP is locked.
        """
        deadline = time.monotonic() + IN_FLIGHT_WAIT_SECONDS
        if wait_first:
            self._wait_for_in_flight(deadline)
        while True:
            attempt, wait = self.look(deadline)
            if attempt is not None:
                return attempt
            if wait:
                self._wait_for_in_flight(deadline)
            # else: locked meanwhile (the ticket was refused), look again

    def look(self, deadline: float) -> tuple[int | None, bool]:
        """One look at the locks, one short write that never waits: (this attempt's number,
        False), or (None, whether to wait for the attempt in flight at the cap first) when
        ``begin`` has to look again.

        Raises:
            RateLimitedError: the account or the IP is locked.
        """
        now = self.rt.clock.now()
        with self.rt.db.lean_write() as tx:
            counters = Counters(tx)
            # The lock check is one statement that also counts a refused attempt on the
            # lock row: a refused request writes no row, so a flood cannot grow the
            # database (#17). The in-flight mark is read with it. Precompiled statements
            # only, in a lean transaction: no Session on a refused request's path.
            locks = counters.refuse_by_key([*self.keys, _in_flight(self.account_key)], now)
            blocked = self.keys[1] in locks or self.account_key in locks
            attempt = None if blocked else self._take_ticket(counters, now)
            tx.commit()
        if attempt is not None:
            return attempt, False
        ip_lock, account_lock, in_flight = (retry_after(locks.get(key), now) for key in (
            self.keys[1], self.account_key, _in_flight(self.account_key)))
        if ip_lock is not None or (account_lock is not None and (
                in_flight is None or time.monotonic() >= deadline)):
            self._refuse(max(ip_lock or 0, account_lock or 0))
        return None, account_lock is not None

    def _wait_for_in_flight(self, deadline: float) -> None:
        """Wait until the attempt in flight at the cap has its outcome. Polls read only:
        a writer per waiting request would queue in front of the outcome it waits for."""
        key = _in_flight(self.account_key)
        while time.monotonic() < deadline:
            time.sleep(IN_FLIGHT_POLL_SECONDS)
            with self.rt.db.read() as s:
                lock = retry_after(max(Throttles(s).locks([key]), default=None),
                                   self.rt.clock.now())
            if lock is None:
                return

    def _take_ticket(self, throttles: Counters, now: datetime) -> int | None:
        """The attempt's number, or None when the key was locked meanwhile."""
        policy = ACCOUNT_LOGIN_POLICY
        provisional = now + timedelta(seconds=policy.max_delay)
        attempt = throttles.take_ticket(
            self.account_key, now, lock_after=policy.free_failures,
            window_start=now - policy.window, provisional_until=provisional)
        if attempt is not None and attempt > policy.free_failures:
            throttles.hold(_in_flight(self.account_key), now, provisional)
        return attempt

    def succeeded(self, throttles: Throttles, account_id: str | None = None) -> None:
        """A right password (inside the caller's transaction): only this account's counter
        is cleared, never the IP's. Attempts refused while it was locked become one row."""
        record_refused(throttles.db, throttles.reset(self.account_key), name="login",
                       method=Method.PASSWORD, account_id=account_id)
        throttles.reset(_in_flight(self.account_key))

    def failed(self, attempt: int, *, account_id: str | None, reason: str) -> None:
        """A wrong password or unknown account: the real back-off, and a mail on a lock."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            # The attempt was counted up front. If it was past the free ones, its real
            # back-off replaces the provisional lock; an earlier attempt never clears a lock.
            # Attempts refused during an earlier lock of this account or IP: one row each.
            # Rows in key order (account, its in-flight mark, IP), as the lock check takes
            # them: two sign-ins never wait for each other crosswise (a deadlock, 503).
            throttles = Throttles(s)
            record_refused(s, throttles.take_refused(self.account_key), name="login",
                           method=Method.PASSWORD, account_id=account_id)
            lock = ACCOUNT_LOGIN_POLICY.locked_until(attempt, now)
            if lock is not None:
                # The ticket past the free failures locked provisionally; metrics counted it.
                throttles.set_lock(self.account_key, lock, already_counted=True)
                throttles.reset(_in_flight(self.account_key))
            record_refused(s, throttles.take_refused(self.keys[1]), name="login",
                           method=Method.PASSWORD, account_id=None, ip=self.info.ip)
            record_failure(s, self.keys[1], IP_LOGIN_POLICY, now)
            Activity(s).add(event(at=now, name="login", info=self.info, success=False,
                                  account_id=account_id, reason=reason, method=Method.PASSWORD))
            account = Accounts(s).get(account_id) if lock and account_id else None
            if lock is not None and account is not None:
                # Queued with the lock itself: a crash after this commit cannot lose it (#13).
                queue_password_lock(s, self.rt, account.email, attempt,
                                    int((lock - now).total_seconds()), self.info)
            s.commit()

    def _refuse(self, wait: int) -> NoReturn:
        """The 429. Nothing more is written: the lock check counted the attempt on the lock
        row, and the first sign-in or failure after the lock writes one summary row."""
        wait = max(1, wait)
        raise RateLimitedError(wait, nmsg("Too many failed sign-ins. For your safety, wait "
                                          "%(n)d second before trying again.",
                                          "Too many failed sign-ins. For your safety, wait "
                                          "%(n)d seconds before trying again.", wait))
