"""One node against two behind HAProxy, on PostgreSQL, and PostgreSQL beside SQLite (#17).

Run from the repository root: ``.venv/bin/python bench/cluster.py`` (about 4 minutes; needs
haproxy and PostgreSQL's server binaries, as the cluster test does). bench/README.md says
what each line means.

Everything runs on this machine: a private PostgreSQL (scripts/cluster.py), two
``secondlock serve`` nodes, HAProxy and wrk share its cores, so alongside req/s the table
shows the CPU each part used per request: that is what limits two nodes here.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from load import MFA_WRONG_CODE, Load, Result, Scenario
from pydantic import SecretStr
from report import status_mix
from seed import EMAIL, PASSWORD, SECRET, WRONG_CODE, post_json, seed_mfa_accounts
from servers import BENCH_DIR, CLOCK_TICKS, Server

from secondlock.config import Settings

SCRIPT = BENCH_DIR.parent / "scripts" / "cluster.py"


def cluster_tools() -> Any:
    spec = importlib.util.spec_from_file_location("secondlock_cluster_script", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2:].split()[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def ticks(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


@dataclass
class Parts:
    """The processes whose CPU we count, by part: node, haproxy, postgres. A part may be a
    function, asked at each sample (PostgreSQL starts a backend per new connection)."""

    groups: dict[str, list[int] | Callable[[], list[int]]]

    def sample(self) -> dict[str, int]:
        return {name: sum(ticks(p) for p in (pids() if callable(pids) else pids))
                for name, pids in self.groups.items()}


class Target(Server):
    """A wrk target (a node or the proxy) whose CPU is counted over ``parts``."""

    parts: Parts

    def cpu_ticks(self) -> int:
        return sum(self.parts.sample().values())


@dataclass
class Line:
    label: str
    result: Result
    cpu: dict[str, float]  # ms per request, by part

    def render(self, base: float) -> str:
        r = self.result
        parts = ", ".join(f"{k} {v:.2f}" for k, v in self.cpu.items() if v > 0.005)
        return (f"| {self.label} | {r.rps:.0f} | {r.rps / base:.2f} | {r.p50_ms:.1f} | "
                f"{r.p99_ms:.1f} | {sum(self.cpu.values()):.2f} | {parts} |")


def measure(label: str, scenario: Scenario, target: Target, load: Load, tmp: Path) -> Line:
    load.run(scenario, target, tmp, seconds=2)  # warm-up
    before = target.parts.sample()
    result = load.run(scenario, target, tmp)
    after = target.parts.sample()
    per = {k: 1000 * (after[k] - before[k]) / CLOCK_TICKS / max(1, result.requests)
           for k in after}
    print(f"  {label:<46} {result.rps:7.0f} req/s  p99 {result.p99_ms:6.1f} ms  "
          f"{status_mix(result.statuses)}", flush=True)
    return Line(label, result, per)


def postgres_pids(postgres: Any) -> list[int]:
    master = int((postgres.data / "postmaster.pid").read_text().split()[0])
    return [master, *children(master)]


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path) -> None:
        self.args = args
        self.tmp = tmp
        self.tools = cluster_tools()
        self.load = Load(args.threads, args.connections, args.duration, [])

    def target(self, name: str, port: int, proc: subprocess.Popen[bytes],
               groups: dict[str, list[int] | Callable[[], list[int]]]) -> Target:
        target = Target(name, port, proc, self.tmp / f"{name}.log")
        target.parts = Parts(groups)
        return target

    def token(self, base: str) -> str:
        post_json(base + "/api/v1/accounts", {"email": EMAIL, "password": PASSWORD})
        status, body = post_json(base + "/api/v1/login", {"email": EMAIL, "password": PASSWORD})
        if status != 200:
            raise RuntimeError(f"login answered {status}: {body}")
        return str(body["token"])

    def sqlite_node(self) -> Line:
        """The session check on one node with the embedded SQLite, for comparison."""
        cluster = self.tools.Cluster(self.tmp / "sqlite", "", 1, secret_key=SECRET)
        cluster.database_url = f"sqlite:///{self.tmp / 'sqlite' / 'node1' / 'secondlock.db'}"
        cluster.root.mkdir(parents=True)
        node = cluster.start_node(1)
        try:
            me = Scenario("GET /api/v1/me", "GET", "/api/v1/me",
                          headers={"Authorization": f"Bearer {self.token(node.base)}"})
            target = self.target("sqlite", node.port, node.proc, {"node": [node.proc.pid]})
            return measure("1 node, SQLite, direct", me, target, self.load, self.tmp)
        finally:
            self.tools.stop_process(node.proc)

    def postgres_lines(self, postgres: Any) -> tuple[list[Line], list[str]]:
        cluster = self.tools.Cluster(self.tmp / "pg", postgres.url, 2, secret_key=SECRET)
        cluster.start()
        notes: list[str] = []
        try:
            def pg() -> list[int]:
                return postgres_pids(postgres)

            node1, node2 = cluster.nodes
            assert cluster.proxy is not None
            proxy = cluster.proxy.pid
            me = Scenario("GET /api/v1/me", "GET", "/api/v1/me",
                          headers={"Authorization": f"Bearer {self.token(cluster.base)}"})
            one = self.tools.Cluster(self.tmp / "pg1", postgres.url, 1, secret_key=SECRET)
            one.nodes = [node1]
            single = self.single_proxy(one)
            lines = [measure("1 node, PostgreSQL, direct", me, self.target(
                "pg-direct", node1.port, node1.proc,
                {"node": [node1.proc.pid], "postgres": pg}), self.load, self.tmp)]
            for round_ in range(self.args.rounds):
                lines.append(measure(f"1 node through HAProxy (round {round_ + 1})", me,
                                     self.target("one", single[0], single[1], {
                                         "node": [node1.proc.pid], "haproxy": [single[1].pid],
                                         "postgres": pg}), self.load, self.tmp))
                lines.append(measure(f"2 nodes through HAProxy (round {round_ + 1})", me,
                                     self.target("two", cluster.proxy_port, cluster.proxy, {
                                         "node": [node1.proc.pid, node2.proc.pid],
                                         "haproxy": [proxy], "postgres": pg}),
                                     self.load, self.tmp))
            self.tools.stop_process(single[1])
            lines.append(self.wrong_codes(postgres, node1, pg))
            notes.append(f"PostgreSQL {postgres.url.rsplit('@', 1)[1]} (private, fsync=off)")
        finally:
            cluster.stop()
        return lines, notes

    def single_proxy(self, one: Any) -> tuple[int, subprocess.Popen[bytes]]:
        port = self.tools.free_port()
        one.proxy_port = port
        one.root.mkdir(parents=True, exist_ok=True)
        config = one.root / "haproxy.cfg"
        config.write_text(one.haproxy_config())
        with (one.root / "haproxy.log").open("ab") as log:
            proc = subprocess.Popen([self.tools.haproxy_binary(), "-db", "-f", str(config)],
                                    stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        self.tools.wait_until(f"http://127.0.0.1:{port}/healthz")
        return port, proc

    def wrong_codes(self, postgres: Any, node: Any, pg: Callable[[], list[int]]) -> Line:
        """Scenario c of run.py on PostgreSQL: the write path (read + two writes)."""
        settings = Settings(data_dir=self.tmp / "seed", secret_key=SecretStr(SECRET),
                            database_url=postgres.url)
        batch = seed_mfa_accounts(settings, self.args.mfa_accounts)
        lua = MFA_WRONG_CODE.format(threads=self.load.threads, count=batch.count,
                                    prefix=batch.prefix, code=WRONG_CODE)
        scenario = Scenario("POST /login/verify, wrong code", "POST", "/api/v1/login/verify",
                            headers={"Content-Type": "application/json"},
                            body='{"mfa_token": "x", "method": "totp", "code": "000000"}',
                            request_lua=lua)
        return measure("wrong TOTP code, 1 node, PostgreSQL, direct", scenario, self.target(
            "pg-verify", node.port, node.proc, {"node": [node.proc.pid], "postgres": pg}),
            self.load, self.tmp)

    def run(self) -> str:
        lines = [self.sqlite_node()]
        postgres = self.tools.PrivatePostgres()
        try:
            postgres.init()
            postgres.start()
            more, notes = self.postgres_lines(postgres)
        finally:
            postgres.remove()
        lines += more
        base = lines[1].result.rps
        two = [x.result.rps for x in lines if x.label.startswith("2 nodes")]
        one = [x.result.rps for x in lines if x.label.startswith("1 node through")]
        ratio = sorted(two)[len(two) // 2] / sorted(one)[len(one) // 2] if one else math.nan
        load1, load5, _ = os.getloadavg()
        out = ["| GET /api/v1/me unless named | req/s | vs 1 node PG direct | p50 ms | p99 ms "
               "| CPU ms/req, all parts | by part (ms/req) |", "|---|---:|---:|---:|---:|---:|---|"]
        out += [line.render(base) for line in lines]
        out += ["", f"Two nodes / one node through HAProxy (median of {self.args.rounds} "
                f"rounds): {ratio:.2f} (target >= 1.6)", f"Load average after: {load1:.2f}/"
                f"{load5:.2f}; nproc {os.cpu_count()}; wrk -t{self.load.threads} "
                f"-c{self.load.connections} -d{self.load.seconds}s, not pinned", *notes]
        return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--mfa-accounts", type=int, default=4000)
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="secondlock-cluster-bench-") as tmp:
        table = Bench(args, Path(tmp)).run()
    print(f"\n{table}\n\n({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
