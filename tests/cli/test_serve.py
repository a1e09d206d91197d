"""``secondlock serve`` as a real process: the venv's console script, a real port, real HTTP.

On a PostgreSQL run (``SECONDLOCK_TEST_DATABASE_URL``) the server uses that database;
otherwise the embedded SQLite default in a fresh data folder, migrated by ``serve`` itself.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from secondlock.web.asgi import RedactQueryFilter, create_app_from_env, log_config
from tests.conftest import PASSWORD, PG_ENV

SECONDLOCK = Path(sys.executable).with_name("secondlock")
START_TIMEOUT_SECONDS = 60.0  # only a failure waits this long; a loaded machine starts slowly
STOP_TIMEOUT_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail(f"serve did not answer /healthz in {START_TIMEOUT_SECONDS} s:\n"
                    f"{self.output()}")

    def stop(self) -> int:
        """SIGTERM, then SIGKILL if it does not stop in time; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                pytest.fail(f"serve ignored SIGTERM for {STOP_TIMEOUT_SECONDS} s:\n"
                            f"{self.output()}")
        return self.process.returncode


@pytest.fixture
def server_env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SECONDLOCK_", "PROMETHEUS_MULTIPROC"))}
    env["SECONDLOCK_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONUNBUFFERED"] = "1"
    if os.environ.get(PG_ENV):
        env["SECONDLOCK_DATABASE_URL"] = request.getfixturevalue("database_url")
    return env


@contextmanager
def serving(env: dict[str, str], log: Path, *args: str) -> Iterator[Server]:
    port = free_port()
    env = {**env, "SECONDLOCK_ORIGIN": f"http://localhost:{port}"}
    with log.open("wb") as sink:
        process = subprocess.Popen([str(SECONDLOCK), "serve", "--port", str(port), *args],
                                   stdout=sink, stderr=subprocess.STDOUT, env=env)
        server = Server(process=process, port=port, log=log)
        try:
            server.wait_until_healthy()
            yield server
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@pytest.mark.slow
def test_serve_signs_up_logs_in_and_stops_cleanly(server_env: dict[str, str],
                                                  tmp_path: Path) -> None:
    with serving(server_env, tmp_path / "serve.log") as server:
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            created = http.post("/api/v1/accounts",
                                json={"email": "ada@example.com", "password": PASSWORD})
            assert created.status_code == 201, created.text
            login = http.post("/api/v1/login",
                              json={"email": "ada@example.com", "password": PASSWORD})
            assert login.status_code == 200, login.text
            token = login.json()["token"]
            me = http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
            assert me.status_code == 200, me.text
            assert me.json()["id"] == created.json()["id"]
            assert me.json()["email"] == "ada@example.com"
            assert "server" not in me.headers
            # Query strings (mail links carry tokens) stay out of the access log.
            assert http.get("/healthz?token=leak-check-7f3a").status_code == 200

        exit_code = server.stop()
        output = server.output()

    assert exit_code == 0, output
    assert f"Listening on   http://127.0.0.1:{server.port}" in output
    assert f"Public origin  http://localhost:{server.port}" in output
    if not os.environ.get(PG_ENV):
        assert f"kept at http://localhost:{server.port}/dev/outbox" in output
        assert "applied " in output
        assert "mail to ada@example.com" in output  # the welcome mail, on the console outbox
    assert '"GET /healthz HTTP/1.1" 200' in output
    assert "leak-check-7f3a" not in output


@pytest.mark.slow
def test_serve_with_two_workers_answers_and_stops_cleanly(server_env: dict[str, str],
                                                          tmp_path: Path) -> None:
    with serving(server_env, tmp_path / "serve.log", "--workers", "2") as server:
        with httpx.Client(base_url=server.url, timeout=10.0) as http:
            for _ in range(4):
                assert http.get("/healthz").json() == {"status": "ok"}
        exit_code = server.stop()
        output = server.output()

    assert exit_code == 0, output
    assert "(2 workers)" in output
    assert output.count("Application startup complete") == 2, output


def test_app_factory_builds_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith("SECONDLOCK_") and not name.startswith("SECONDLOCK_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SECONDLOCK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECONDLOCK_ORIGIN", "http://localhost:9999")

    app = create_app_from_env()

    assert isinstance(app, FastAPI)
    assert app.state.settings.origin == "http://localhost:9999"
    assert (tmp_path / "secret.key").exists()


def test_access_log_drops_query_strings() -> None:
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "GET", "/verify-email?token=abc", "1.1", 200), None)
    assert RedactQueryFilter().filter(record)
    assert record.getMessage() == '1.2.3.4:5 - "GET /verify-email HTTP/1.1" 200'
    assert log_config()["handlers"]["access"]["filters"] == ["redact_query"]
