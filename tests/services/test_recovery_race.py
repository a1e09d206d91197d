"""Two completions of one recovery at once, on two processes: exactly one signs in
(SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.repositories import Authenticators, Sessions
from tests.conftest import PASSWORD
from tests.services.conftest import make_services, run_racers
from tests.services.test_races import INFO, enrolled

WORKERS = 2
PER_WORKER = 2


def _worker(url: str, data_dir: str, at: Any, token: str, barrier: Any,
            results: Any) -> None:
    services = make_services(url, data_dir, FixedClock(at))
    local: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            result = services.recovery.complete(token, PASSWORD, INFO)
            local.append("ok" if result.session is not None else "no session")
        except Exception as exc:
            local.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt) for _ in range(PER_WORKER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in local:
        results.put(item)
    services.rt.db.dispose()


def started_recovery(services: Services, clock: FixedClock) -> tuple[str, str]:
    account_id = enrolled(services, clock)[2]
    services.recovery.request("racer@example.com", INFO)
    outbox: OutboxMailer = services.rt.mailer  # type: ignore[assignment]
    link = next(s.message.text for s in outbox.latest() if s.message.kind == "recovery_link")
    match = re.search(r"token=([\w-]+)", link)
    assert match
    services.recovery.start(match.group(1), PASSWORD, INFO)
    return match.group(1), account_id


def test_two_completions_at_once_sign_in_once(
        race_url: str, tmp_path: Path, clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    token, account_id = started_recovery(services, clock)
    clock.advance(seconds=services.rt.settings.recovery_delay + 1)
    outcomes = run_racers(_worker, [(race_url, str(tmp_path), clock.now(), token)
                                    for _ in range(WORKERS)], WORKERS * PER_WORKER)
    assert sorted(outcomes) == ["RecoveryEndedError"] * (WORKERS * PER_WORKER - 1) + ["ok"], \
        outcomes
    assert services.recovery.look(token).status == "completed"
    with services.rt.db.read() as s:
        assert Authenticators(s).for_account(account_id) == []
        assert len(Sessions(s).for_account(account_id)) == 1  # the winner's only
