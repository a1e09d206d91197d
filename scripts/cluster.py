"""Two (or more) SecondLock nodes on one PostgreSQL database behind HAProxy, for real.

Run through ``scripts/cluster`` (it picks the project's .venv):

    ./scripts/cluster --private-postgres          # a throw-away PostgreSQL of its own
    ./scripts/cluster --database-url postgresql+psycopg://postgres@127.0.0.1:5432/secondlock

Each node is ``secondlock serve`` (one worker) with its own data folder and the same secret
key; the schema is migrated once before they start. HAProxy balances over them and checks
``GET /healthz`` every ``CHECK_INTERVAL_MS``: a node that stops answering (or answers 503
because it cannot reach the database) is out after two failed checks, back after two good
ones. A request whose connection a dead node refuses is sent to another node (``retries`` +
``option redispatch``); only requests already running on a node that dies fail (502). With
no node up HAProxy answers a 503 problem document itself, like the nodes do.

The same classes run the cluster test (tests/cluster/) and the benchmark (bench/cluster.py).
"""

from __future__ import annotations

import argparse
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHECK_INTERVAL_MS = 500
PROBLEM_503 = (
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/problem+json\r\n"
    "Retry-After: 1\r\n"
    "Cache-Control: no-store\r\n"
    "Connection: close\r\n"
    "\r\n"
    '{"type": "https://secondlock.dev/problems/service_unavailable", '
    '"title": "The service is briefly unavailable", "status": 503, '
    '"detail": "Please try again in a moment.", "code": "service_unavailable"}\n'
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(url: str, *, status: int = 200, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (http)
                if response.status == status:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == status:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer {status} within {timeout:.0f} s")


def stop_process(proc: subprocess.Popen[bytes], *, sig: int = signal.SIGTERM) -> None:
    if proc.poll() is not None:
        return
    for each, wait in ((sig, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, each)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class PrivatePostgres:
    """A throw-away PostgreSQL server in a temporary folder, on a port of its own.

    initdb and pg_ctl come from /usr/lib/postgresql/<version>/bin; as root they run as the
    ``postgres`` user (runuser), since PostgreSQL refuses to run as root. The machine's own
    server is never touched, so a test may stop and start this one at will.
    """

    def __init__(self, port: int | None = None) -> None:
        # Its own folder under /tmp: the postgres user must reach it, and a test's tmp_path
        # sits below a folder only its owner may enter.
        self.root = Path(tempfile.mkdtemp(prefix="secondlock-pg-"))
        self.data = self.root / "pgdata"
        self.port = port or free_port()
        self.bin = self._bin_dir()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @staticmethod
    def _bin_dir() -> Path:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            raise FileNotFoundError("no /usr/lib/postgresql/*/bin/pg_ctl: install postgresql")
        return Path(found[-1]).parent

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_user, *args], check=True, capture_output=True, cwd=self.root)

    def init(self) -> None:
        if self.as_user:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c max_connections=200")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.root / "postgres.log"), "-o", options, "-w", "-t", "30", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                      "stop")

    def remove(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Node:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Cluster:
    """Nodes and HAProxy in ``root``; ``start()`` returns once the proxy answers /healthz."""

    root: Path
    database_url: str
    nodes_wanted: int = 2
    proxy_port: int = field(default_factory=free_port)
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    extra_env: dict[str, str] = field(default_factory=dict)
    nodes: list[Node] = field(default_factory=list)
    proxy: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def env(self, data_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("SECONDLOCK_", "PROMETHEUS_MULTIPROC"))}
        env.update(SECONDLOCK_DATABASE_URL=self.database_url,
                   SECONDLOCK_SECRET_KEY=self.secret_key,
                   SECONDLOCK_DATA_DIR=str(data_dir),
                   SECONDLOCK_ORIGIN=self.base,
                   # HAProxy adds X-Forwarded-For; the nodes trust it from the proxy only
                   SECONDLOCK_TRUSTED_PROXIES="127.0.0.1/32",
                   PYTHONUNBUFFERED="1", **self.extra_env)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from secondlock.cli import main; main()", *args]

    def migrate(self) -> None:
        subprocess.run(self.command("migrate"), env=self.env(self.root / "migrate"), check=True,
                       capture_output=True)

    def start_node(self, index: int, port: int | None = None, *, wait: bool = True) -> Node:
        port = port or free_port()
        data = self.root / f"node{index}"
        log = self.root / f"node{index}.log"
        with log.open("ab") as sink:
            proc = subprocess.Popen(self.command("serve", "--port", str(port)),
                                    env=self.env(data), stdout=sink, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        node = Node(f"node{index}", port, proc, log)
        if wait:
            wait_until(node.base + "/healthz")
        return node

    def haproxy_config(self) -> str:
        errorfile = self.root / "503.http"
        errorfile.write_text(PROBLEM_503)
        servers = "\n".join(f"    server {n.name} 127.0.0.1:{n.port} check" for n in self.nodes)
        return f"""global
    maxconn 4096
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    retries 2
    option redispatch 1
    errorfile 503 {errorfile}
frontend secondlock
    bind 127.0.0.1:{self.proxy_port}
    # The client's address, replacing whatever the client sent: "option forwardfor" would
    # add a second X-Forwarded-For line after a client's own, and a reader of the first line
    # would believe the client.
    http-request set-header X-Forwarded-For %[src]
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter {CHECK_INTERVAL_MS}ms fall 2 rise 2
{servers}
"""

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.migrate()
        # Started side by side: each spends seconds importing and building its app.
        self.nodes = [self.start_node(i + 1, wait=False) for i in range(self.nodes_wanted)]
        for node in self.nodes:
            wait_until(node.base + "/healthz")
        config = self.root / "haproxy.cfg"
        config.write_text(self.haproxy_config())
        with (self.root / "haproxy.log").open("ab") as log:
            self.proxy = subprocess.Popen([haproxy_binary(), "-db", "-f", str(config)],
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        wait_until(self.base + "/healthz")

    def kill_node(self, index: int) -> Node:
        """kill -9 one node (0-based); returns it (its port is free again)."""
        node = self.nodes[index]
        os.killpg(node.proc.pid, signal.SIGKILL)
        node.proc.wait()
        return node

    def restart_node(self, index: int) -> None:
        self.nodes[index] = self.start_node(index + 1, self.nodes[index].port)

    def stop(self) -> None:
        if self.proxy is not None:
            stop_process(self.proxy)
        for node in self.nodes:
            stop_process(node.proc)


def haproxy_binary() -> str:
    found = shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.path.exists(p)), None)
    if found is None:
        raise FileNotFoundError("haproxy is not installed: apt-get install -y haproxy")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--database-url", help="a PostgreSQL URL the nodes share")
    where.add_argument("--private-postgres", action="store_true",
                       help="start a throw-away PostgreSQL in the temporary folder")
    parser.add_argument("--port", type=int, default=8000, help="HAProxy's port")
    parser.add_argument("--nodes", type=int, default=2)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="secondlock-cluster-") as tmp:
        root = Path(tmp)
        postgres = PrivatePostgres() if args.private_postgres else None
        cluster = Cluster(root / "cluster", postgres.url if postgres else args.database_url,
                          args.nodes, proxy_port=args.port)
        try:
            if postgres is not None:
                postgres.init()
                postgres.start()
            cluster.start()
            for node in cluster.nodes:
                print(f"{node.name}: pid {node.proc.pid}, {node.base} (log {node.log})")
            print(f"HAProxy: {cluster.base} (health checks every {CHECK_INTERVAL_MS} ms)")
            print("ready; stop with Ctrl+C", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            cluster.stop()
            if postgres is not None:
                postgres.remove()
    return 0


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
