from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from secondlock.composition import build_runtime
from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.passwords import PasswordHasher
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.db import Database
from secondlock.storage.schema import metadata
from tests.conftest import CHEAP_HASHING, TEST_SECRET


def make_services(url: str, data_dir: str, clock: FixedClock) -> Services:
    settings = Settings(data_dir=Path(data_dir), secret_key=TEST_SECRET, database_url=url)
    rt = build_runtime(settings, mailer=OutboxMailer(echo=False),
                       clock=clock, database=Database(url), hasher=PasswordHasher(CHEAP_HASHING))
    return Services.build(rt)


@pytest.fixture
def services(settings: Settings, clock: FixedClock, outbox: OutboxMailer,
             database: Database, hasher: PasswordHasher) -> Services:
    """The use cases wired without the web layer; mail goes straight to the outbox."""
    rt = build_runtime(settings, mailer=outbox, clock=clock,
                       database=database, hasher=hasher)
    return Services.build(rt)


@pytest.fixture
def clock_and_services(race_url: str, tmp_path: Path) -> Iterator[tuple[FixedClock, Services]]:
    clock = FixedClock()
    services = make_services(race_url, str(tmp_path), clock)
    yield clock, services
    services.rt.db.dispose()


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


def run_racers(target: Callable[..., None], worker_args: list[tuple[Any, ...]],
               expected: int) -> list[str]:
    """Start one spawned process per ``worker_args`` entry (each target ends with
    ``barrier, results``), let all ``expected`` attempts go at once, collect their outcomes."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(expected)
    results = ctx.Queue()
    processes = [ctx.Process(target=target, args=(*args, barrier, results))
                 for args in worker_args]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=60) for _ in range(expected)]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    return outcomes
