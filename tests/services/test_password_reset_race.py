"""A reset link raced by two processes sets the password exactly once (SQLite, PostgreSQL)."""

from __future__ import annotations

import multiprocessing
import re
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from secondlock.core.clock import FixedClock
from secondlock.core.errors import InvalidCredentialsError
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.schema import metadata
from tests.conftest import PASSWORD
from tests.services.conftest import make_services
from tests.services.test_races import INFO

WORKERS = 2
PER_WORKER = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def race_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
        return url
    url = f"sqlite:///{tmp_path / 'race.db'}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


def _worker(url: str, data_dir: str, at: Any, token: str, passwords: list[str],
            barrier: Any, results: Any) -> None:
    services = make_services(url, data_dir, FixedClock(at))
    local: list[tuple[str, str]] = []

    def attempt(password: str) -> None:
        barrier.wait()
        try:
            services.password_reset.complete(token, password, INFO)
            local.append(("ok", password))
        except Exception as exc:
            local.append((type(exc).__name__, password))

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for item in local:
        results.put(item)
    services.rt.db.dispose()


def test_one_reset_link_raced_by_two_processes_works_once(race_url: str,
                                                          tmp_path: Path) -> None:
    clock = FixedClock()
    services = make_services(race_url, str(tmp_path), clock)
    outbox: OutboxMailer = services.rt.mailer  # type: ignore[assignment]
    services.accounts.sign_up("racer@example.com", PASSWORD, INFO, send_welcome=False)
    services.password_reset.request("racer@example.com", INFO)
    match = re.search(r"token=([\w-]+)", outbox.latest()[0].message.text)
    assert match
    passwords = [f"raced new passphrase number {i}" for i in range(WORKERS * PER_WORKER)]

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS * PER_WORKER)
    results = ctx.Queue()
    processes = [ctx.Process(target=_worker, args=(
        race_url, str(tmp_path), clock.now(), match.group(1),
        passwords[i * PER_WORKER:(i + 1) * PER_WORKER], barrier, results))
        for i in range(WORKERS)]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=60) for _ in range(WORKERS * PER_WORKER)]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    winners = [password for outcome, password in outcomes if outcome == "ok"]
    assert len(winners) == 1, outcomes
    assert {o for o, _ in outcomes} == {"ok", "ResetLinkExpiredError"}, outcomes
    # The password that won is the one that works; no loser's password does.
    assert services.login.login("racer@example.com", winners[0], INFO).session is not None
    for _, password in outcomes:
        if password != winners[0]:
            with pytest.raises(InvalidCredentialsError):
                services.login.login("racer@example.com", password, INFO)
            break
    services.rt.db.dispose()
