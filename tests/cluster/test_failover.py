"""Two nodes behind HAProxy under load: a node killed with -9, PostgreSQL restarted (#17).

Runs scripts/cluster.py's own classes: a private PostgreSQL server in a temporary folder (the
machine's shared one is never restarted), two ``secondlock serve`` nodes and HAProxy with
health checks every 500 ms. Load is a few threads through the proxy: session checks
(``GET /api/v1/me``) and sign-ups, whose 201s must all be in the database at the end.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from tests.conftest import REQUIRE_ENV

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster.py"
PASSWORD = "a cluster test passphrase, long enough"
READERS = 3
SIGN_UPS_PER_LOAD = 8
CHECK_S = 0.5  # scripts/cluster.py CHECK_INTERVAL_MS


def _load_cluster_module() -> Any:
    spec = importlib.util.spec_from_file_location("secondlock_cluster_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _missing_tools() -> str | None:
    if shutil.which("haproxy") is None and not os.path.exists("/usr/sbin/haproxy"):
        return "haproxy is not installed (./scripts/test installs it)"
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")):
        return "PostgreSQL's server binaries are not installed"
    return None


@dataclass
class Running:
    tools: Any
    postgres: Any
    cluster: Any
    token: str


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    started = time.monotonic()
    missing = _missing_tools()
    if missing:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(missing)
        pytest.skip(missing)
    tools = _load_cluster_module()
    postgres = tools.PrivatePostgres()
    cluster = None
    try:
        postgres.init()
        postgres.start()
        cluster = tools.Cluster(postgres.root / "cluster", postgres.url)
        cluster.start()
        with httpx.Client(base_url=cluster.base, timeout=30) as client:
            assert client.post("/api/v1/accounts", json={"email": "ada@example.com",
                                                         "password": PASSWORD}).status_code == 201
            login = client.post("/api/v1/login", json={"email": "ada@example.com",
                                                       "password": PASSWORD})
        print(f"cluster up in {time.monotonic() - started:.1f} s")
        yield Running(tools, postgres, cluster, login.json()["token"])
    finally:
        if cluster is not None:
            cluster.stop()
        postgres.remove()


@dataclass(frozen=True)
class Answer:
    started: float
    took: float
    status: int  # 0: no HTTP answer at all
    content_type: str
    path: str


class Load:
    """Readers checking the session and one writer signing up, until stopped."""

    def __init__(self, base: str, token: str, prefix: str) -> None:
        self.base, self.token, self.prefix = base, token, prefix
        self.answers: list[Answer] = []
        self.created: list[str] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._read) for _ in range(READERS)]
        self.threads.append(threading.Thread(target=self._write))

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()

    def _call(self, client: httpx.Client, method: str, path: str, **kw: Any) -> int:
        started = time.monotonic()
        try:
            response = client.request(method, path, **kw)
            status, kind = response.status_code, response.headers.get("content-type", "")
        except httpx.HTTPError:
            status, kind = 0, ""
        self.answers.append(Answer(started, time.monotonic() - started, status, kind, path))
        return status

    def _read(self) -> None:
        with httpx.Client(base_url=self.base, timeout=15,
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            while not self.stopping.is_set():
                self._call(client, "GET", "/api/v1/me")

    def _write(self) -> None:
        with httpx.Client(base_url=self.base, timeout=15) as client:
            n = 0
            # Sign-ups from one address are capped (20 an hour) and the proxy gives every
            # request the same one: a few per load leave room for both tests.
            while not self.stopping.is_set() and n < SIGN_UPS_PER_LOAD:
                n += 1
                email = f"{self.prefix}-{n}@example.com"
                if self._call(client, "POST", "/api/v1/accounts",
                              json={"email": email, "password": PASSWORD}) == 201:
                    self.created.append(email)
                self.stopping.wait(0.4)

    def failed(self) -> list[Answer]:
        """No answer, or a server error. (Sign-ups from one address are capped: a 429 is
        the service working.)"""
        return [a for a in self.answers if a.status == 0 or a.status >= 500]


def _stored_emails(url: str, prefix: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT email FROM accounts WHERE email LIKE :p"),
                                {"p": f"{prefix}-%"})
            return {row[0] for row in rows}
    finally:
        engine.dispose()


def _health(base: str) -> int:
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code
    except httpx.HTTPError:
        return 0


def _wait_for(base: str, status: int, seconds: float) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _health(base) == status:
            return time.monotonic()
        time.sleep(0.05)
    raise AssertionError(f"/healthz did not answer {status} within {seconds} s")


def test_killing_one_node_fails_only_the_requests_it_was_serving(running: Running) -> None:
    cluster = running.cluster
    with Load(cluster.base, running.token, "kill") as load:
        time.sleep(1.0)
        killed_at = time.monotonic()
        cluster.kill_node(0)
        time.sleep(6 * CHECK_S)
    failed = load.failed()
    # Only requests in flight on the killed node may fail, all begun by the moment of the
    # kill: at most two per load thread (the one on the node, and one on the thread's kept
    # proxy connection that the proxy closed with it); the proxy sends everything after it
    # to the other node.
    assert len(failed) <= 2 * (READERS + 1), failed
    assert all(a.started <= killed_at + 0.1 for a in failed), (killed_at, failed)
    assert sum(a.status == 200 for a in load.answers if a.started > killed_at) > 10
    assert set(load.created) <= _stored_emails(running.postgres.url, "kill")
    cluster.restart_node(0)
    time.sleep(3 * CHECK_S)  # two good checks bring it back


def test_a_postgresql_restart_gives_fast_503s_then_recovers_alone(running: Running) -> None:
    cluster, postgres = running.cluster, running.postgres
    with Load(cluster.base, running.token, "restart") as load:
        time.sleep(1.0)
        stopped_at = time.monotonic()
        postgres.stop()
        down_at = _wait_for(cluster.base, 503, 10)
        time.sleep(1.0)
        postgres.start()
        started_at = time.monotonic()
        up_at = _wait_for(cluster.base, 200, 20)
        time.sleep(1.0)
    during = [a for a in load.answers if stopped_at + 0.2 <= a.started <= started_at]
    assert during, "no request ran while PostgreSQL was down"
    for answer in during:  # fail fast, as a problem document, never a hang or a 500
        assert answer.status in (200, 201, 429, 503), answer
        if answer.status == 503:
            assert answer.content_type == "application/problem+json", answer
        assert answer.took < 5, answer
    assert down_at - stopped_at < 5
    assert up_at - started_at < 15
    after = [a for a in load.answers if a.started > up_at + 0.5]
    assert after, "no request after the recovery"
    assert all(a.status in (200, 201, 429) for a in after), [
        a for a in after if a.status not in (200, 201, 429)]
    assert all(a.status == 200 for a in after if a.path == "/api/v1/me")
    assert set(load.created) <= _stored_emails(postgres.url, "restart")
    assert len(load.created) > 0
