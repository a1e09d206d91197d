"""Issue 12 item 15: ``serve`` on a busy port says so in one line, before any banner."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import Invoke, ServeRuns, record_serve_runs

SECONDLOCK = Path(sys.executable).with_name("secondlock")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another server listens on (as a first SecondLock would)."""
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


@pytest.fixture
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> ServeRuns:
    return record_serve_runs(monkeypatch)


def test_serve_on_a_busy_port_stops_before_the_banner(invoke: Invoke, busy_port: int,
                                                      sqlite_env: dict[str, str],
                                                      uvicorn_calls: list[Any]) -> None:
    result = invoke("serve", "--port", str(busy_port), env=sqlite_env)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: port {busy_port} is in use: another SecondLock? try --port {busy_port + 1}"]
    assert uvicorn_calls == []


def test_serve_on_a_free_port_still_starts(invoke: Invoke, sqlite_env: dict[str, str],
                                           uvicorn_calls: list[Any]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = invoke("serve", "--port", str(port), env=sqlite_env)
    assert result.exit_code == 0, result.output
    assert f"Listening on   http://127.0.0.1:{port}" in result.stdout
    assert len(uvicorn_calls) == 1


def test_the_real_command_on_a_busy_port_prints_one_line(busy_port: int,
                                                         tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDLOCK_")}
    env["SECONDLOCK_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run([str(SECONDLOCK), "serve", "--port", str(busy_port)], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "Listening" not in done.stdout
    assert done.stderr.strip().splitlines() == [
        f"Error: port {busy_port} is in use: another SecondLock? try --port {busy_port + 1}"]
