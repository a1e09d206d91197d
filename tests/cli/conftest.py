"""Fixtures for the command-line tests: an isolated environment and a CLI runner."""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from secondlock.cli import app
from secondlock.composition import build_runtime
from secondlock.config import load_settings
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.web import supervisor
from tests.conftest import PG_ENV

Invoke = Callable[..., Result]


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings of the developer's shell must not leak into the commands under test."""
    for name in list(os.environ):
        if name.startswith("SECONDLOCK_") and not name.startswith("SECONDLOCK_TEST_"):
            monkeypatch.delenv(name)
    # ``serve`` points the metrics of its workers at a folder through this variable; an
    # in-process run must not leave it behind for the tests after it.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")


@pytest.fixture(autouse=True)
def _signal_handlers_restored() -> Iterator[None]:
    """``serve`` run in-process installs its SIGTERM handler in the test process: put back
    the handlers the test started with, so no later test runs under it."""
    handlers = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in handlers.items():
        signal.signal(number, handler)


@pytest.fixture
def sqlite_env(tmp_path: Path) -> dict[str, str]:
    """A fresh embedded setup: only a data folder, nothing in it yet."""
    return {"SECONDLOCK_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def cli_env(request: pytest.FixtureRequest, sqlite_env: dict[str, str]) -> dict[str, str]:
    """The embedded setup, or the (migrated, emptied) PostgreSQL of a PostgreSQL run."""
    env = dict(sqlite_env)
    if os.environ.get(PG_ENV):
        env["SECONDLOCK_DATABASE_URL"] = request.getfixturevalue("database_url")
    return env


@pytest.fixture
def invoke() -> Invoke:
    runner = CliRunner()

    def run(*args: str, env: dict[str, str], input: str | None = None) -> Result:
        return runner.invoke(app, list(args), env=env, input=input)

    return run


@contextmanager
def services_for(env: dict[str, str]) -> Iterator[Services]:
    """The services over the same database the commands used."""
    settings = load_settings(env)
    rt = build_runtime(settings, mailer=OutboxMailer(echo=False))
    try:
        yield Services.build(rt)
    finally:
        rt.db.dispose()


#: What ``serve`` would have run: uvicorn.run's positional and keyword arguments.
ServeRuns = list[tuple[tuple[Any, ...], dict[str, Any]]]


def record_serve_runs(monkeypatch: pytest.MonkeyPatch) -> ServeRuns:
    """Record what ``serve`` would run instead of binding a port. ``serve`` replaces itself
    with the supervisor module (an exec): that module runs here, in-process."""
    calls: ServeRuns = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.setattr(supervisor, "_stop_with_exit_code_0_on_sigterm", lambda: None)

    def exec_supervisor(path: str, argv: list[str]) -> None:
        assert argv[1:3] == ["-m", "secondlock.web.supervisor"]
        supervisor.main(argv[3:])
        raise SystemExit(0)  # an exec never returns

    monkeypatch.setattr("secondlock.cli.serve.os.execv", exec_supervisor)
    return calls
