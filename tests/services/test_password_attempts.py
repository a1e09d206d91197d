"""The guessing cap on passwords counts failures: simultaneous right passwords all get in,
wrong ones are capped exactly as before (also across two processes), and a lock is mailed
to the owner once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from secondlock.core.clock import FixedClock
from secondlock.core.errors import InvalidCredentialsError, RateLimitedError
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from tests.conftest import PASSWORD
from tests.services.conftest import make_services, run_racers

EMAIL = "racer@example.com"
WORKERS = 2
INFO = RequestInfo(ip="198.51.100.7", user_agent="race")


def _worker(url: str, data_dir: str, at: Any, passwords: list[str], barrier: Any,
            results: Any) -> None:
    services = make_services(url, data_dir, FixedClock(at))
    local: list[str] = []

    def attempt(i: int, password: str) -> None:
        # Another IP per attempt: only the account's counter is under test.
        info = RequestInfo(ip=f"198.51.{len(passwords)}.{i}", user_agent="race")
        barrier.wait()
        try:
            local.append(services.login.login(EMAIL, password, info).status)
        except Exception as exc:
            local.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(i, p)) for i, p in enumerate(passwords)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in local:
        results.put(item)


def race(url: str, tmp_path: Path, clock: FixedClock, passwords: list[str]) -> list[str]:
    share = len(passwords) // WORKERS
    return run_racers(_worker, [(url, str(tmp_path), clock.now(),
                                 passwords[i * share:(i + 1) * share]) for i in range(WORKERS)],
                      len(passwords))


def test_twenty_simultaneous_right_passwords_all_sign_in(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    services.accounts.sign_up(EMAIL, PASSWORD, INFO, send_welcome=False)
    outcomes = race(race_url, tmp_path, clock, [PASSWORD] * 20)
    assert outcomes == ["authenticated"] * 20


def test_simultaneous_wrong_passwords_get_five_free_and_one_locking_check(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    services.accounts.sign_up(EMAIL, PASSWORD, INFO, send_welcome=False)
    outcomes = race(race_url, tmp_path, clock, [f"guess number {i} !!" for i in range(16)])
    assert outcomes.count("InvalidCredentialsError") == 6, outcomes
    assert outcomes.count("RateLimitedError") == 10
    with pytest.raises(RateLimitedError):  # even the right password waits now
        services.login.login(EMAIL, PASSWORD, INFO)


def test_wrong_passwords_one_after_another_lock_after_the_sixth(
        services: Services, clock: FixedClock) -> None:
    services.accounts.sign_up(EMAIL, PASSWORD, INFO, send_welcome=False)
    for _ in range(6):
        with pytest.raises(InvalidCredentialsError):
            services.login.login(EMAIL, "not my password at all", INFO)
    with pytest.raises(RateLimitedError) as refused:
        services.login.login(EMAIL, PASSWORD, INFO)
    assert refused.value.retry_after == 30
    clock.advance(seconds=31)
    assert services.login.login(EMAIL, PASSWORD, INFO).status == "authenticated"


def lock_mails(outbox: OutboxMailer) -> list[str]:
    return [m.message.to for m in outbox.latest()
            if "sign-in locked after wrong passwords" in m.message.subject]


def test_a_password_lock_is_mailed_to_the_owner_once_per_lock(
        services: Services, clock: FixedClock, outbox: OutboxMailer) -> None:
    services.accounts.sign_up(EMAIL, PASSWORD, INFO, send_welcome=False)
    for _ in range(5):
        with pytest.raises(InvalidCredentialsError):
            services.login.login(EMAIL, "guessing the password", INFO)
    assert lock_mails(outbox) == []
    with pytest.raises(InvalidCredentialsError):
        services.login.login(EMAIL, "guessing the password", INFO)  # the sixth locks
    assert lock_mails(outbox) == [EMAIL]
    for _ in range(3):  # refused while locked: no new lock, no new mail
        with pytest.raises(RateLimitedError):
            services.login.login(EMAIL, "guessing the password", INFO)
    assert lock_mails(outbox) == [EMAIL]
    clock.advance(seconds=31)
    with pytest.raises(InvalidCredentialsError):
        services.login.login(EMAIL, "guessing the password", INFO)  # locks again, longer
    assert lock_mails(outbox) == [EMAIL, EMAIL]
    assert "There were 7 wrong passwords in a row" in outbox.latest()[0].message.text


def test_a_lock_on_an_unknown_email_mails_nobody(services: Services,
                                                 outbox: OutboxMailer) -> None:
    for _ in range(6):
        with pytest.raises(InvalidCredentialsError):
            services.login.login("ghost@example.com", "guessing the password", INFO)
    assert outbox.latest() == []
