"""'Only once' rules hold when two processes race on one database (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.core.totp import code_at
from secondlock.core.views import SessionView
from secondlock.services import Services
from tests.conftest import PASSWORD
from tests.services.conftest import make_services, run_racers

INFO = RequestInfo(ip="198.51.100.7", user_agent="race")
WORKERS = 2
PER_WORKER = 6


def _worker(url: str, data_dir: str, at: Any, tokens: list[str], method: str, code: str,
            barrier: Any, results: Any) -> None:
    services = make_services(url, data_dir, FixedClock(at))
    import threading

    local: list[str] = []

    def attempt(token: str) -> None:
        barrier.wait()
        try:
            services.second_step.verify(token, method, code, INFO)
            local.append("ok")
        except Exception as exc:
            local.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in local:
        results.put(item)


def enrolled(services: Services, clock: FixedClock) -> tuple[str, list[str], str]:
    services.accounts.sign_up("racer@example.com", PASSWORD, INFO, send_welcome=False)
    session = services.login.login("racer@example.com", PASSWORD, INFO).session
    assert session is not None
    view: SessionView = services.sessions.authenticate(session.token)
    started = services.authenticator_app.enroll(view, "phone", INFO)
    done = services.authenticators.confirm(view, started.id, code_at(started.secret,
                                                                     clock.now()), INFO)
    clock.advance(seconds=60)
    return started.secret, done.recovery_codes, view.account_id


def race(url: str, tmp_path: Path, clock: FixedClock, services: Services, method: str,
         code: str) -> list[str]:
    tokens = []
    for _ in range(WORKERS * PER_WORKER):
        result = services.login.login("racer@example.com", PASSWORD, INFO)
        assert result.mfa_token is not None
        tokens.append(result.mfa_token)
    return run_racers(_worker, [
        (url, str(tmp_path), clock.now(), tokens[i * PER_WORKER:(i + 1) * PER_WORKER], method,
         code) for i in range(WORKERS)], WORKERS * PER_WORKER)


def test_one_totp_code_raced_by_two_processes_succeeds_once(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    secret, _, _ = enrolled(services, clock)
    outcomes = race(race_url, tmp_path, clock, services, "totp", code_at(secret, clock.now()))
    assert outcomes.count("ok") == 1, outcomes
    # The losers are refused: as a replay of the winner's time step (code_used) once it
    # committed, as a wrong code while it was in flight, or by the attempt cap.
    assert set(outcomes) <= {"ok", "CodeAlreadyUsedError", "InvalidCodeError",
                             "RateLimitedError"}


def test_one_recovery_code_raced_by_two_processes_succeeds_once(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    _, codes, _ = enrolled(services, clock)
    outcomes = race(race_url, tmp_path, clock, services, "recovery_code", codes[0])
    assert outcomes.count("ok") == 1, outcomes


def test_parallel_wrong_guesses_never_exceed_the_cap(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    secret, _, _ = enrolled(services, clock)
    wrong = "000000" if code_at(secret, clock.now()) != "000000" else "111111"
    outcomes = race(race_url, tmp_path, clock, services, "totp", wrong)
    assert outcomes.count("InvalidCodeError") == 10, outcomes
    assert outcomes.count("RateLimitedError") == WORKERS * PER_WORKER - 10
