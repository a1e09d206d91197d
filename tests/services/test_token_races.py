"""'Only once' for tokens, with two processes racing on one database: a remembered device's
token skips the code once before it is replaced, and a this-wasn't-me link acts once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.services import Services
from secondlock.services.not_me_links import not_me_url
from tests.conftest import PASSWORD
from tests.services.conftest import make_services, run_racers
from tests.services.test_races import INFO, enrolled

EMAIL = "racer@example.com"
WORKERS = 2
PER_WORKER = 3


def _worker(url: str, data_dir: str, at: Any, action: str, token: str, barrier: Any,
            results: Any) -> None:
    services = make_services(url, data_dir, FixedClock(at))
    local: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            if action == "device":
                local.append(services.login.login(EMAIL, PASSWORD, INFO,
                                                  device_token=token).status)
            else:
                services.not_me.secure_account(token, INFO)
                local.append("ok")
        except Exception as exc:
            local.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(PER_WORKER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in local:
        results.put(item)


def race(url: str, tmp_path: Path, clock: FixedClock, action: str, token: str) -> list[str]:
    return run_racers(_worker, [(url, str(tmp_path), clock.now(), action, token)] * WORKERS,
                      WORKERS * PER_WORKER)


def test_one_device_token_raced_by_two_processes_skips_the_code_once(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    secret, _, _ = enrolled(services, clock)
    pending = services.login.login(EMAIL, PASSWORD, INFO)
    assert pending.mfa_token is not None
    done = services.second_step.verify(pending.mfa_token, "totp",
                                       code_at(secret, clock.now()), INFO, remember=True)
    assert done.device_token is not None
    outcomes = race(race_url, tmp_path, clock, "device", done.device_token)
    assert outcomes.count("authenticated") == 1, outcomes
    # The others are asked for a code (or were slowed down by the sign-in throttle).
    assert set(outcomes) <= {"authenticated", "mfa_required", "RateLimitedError"}


def test_one_not_me_link_raced_by_two_processes_acts_once(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    _, _, account_id = enrolled(services, clock)
    with services.rt.db.write() as s:
        url = not_me_url(s, origin="http://localhost", account_id=account_id, now=clock.now())
        s.commit()
    outcomes = race(race_url, tmp_path, clock, "not_me", url.rsplit("=", 1)[1])
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) == {"ok", "InvalidTokenError"}
