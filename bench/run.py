"""SecondLock against a bare Starlette app: same uvicorn options, same wrk load, on loopback.

Run from the repository root: ``.venv/bin/python bench/run.py [--record]``.
What each scenario means, and why, is in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from types import FrameType

from inproc import count_statements, failed_login_cost
from load import FIRST_FAILURE, MFA_WRONG_CODE, RANDOM_EMAIL, Load, Result, Scenario
from report import Row, record, render, status_mix
from seed import (
    EMAIL,
    WRONG_CODE,
    WRONG_PASSWORD,
    MfaBatch,
    clone_accounts,
    migrate,
    seed_mfa_accounts,
    server_env,
    settings_for,
    sign_up_and_log_in,
)
from servers import BENCH_DIR, Server, pin_plan, start, uvicorn_options
from session_check import account_token, alternate, me_scenario, start_on_postgres

RESULTS = BENCH_DIR / "RESULTS.md"
PROXIES = "127.0.0.1/32"  # so that b3 can give every request its own X-Forwarded-For IP
JSON_HEADERS = {"Content-Type": "application/json"}
WRONG_BODY = json.dumps({"email": EMAIL, "password": WRONG_PASSWORD})
INVALID_CODE = '"code":"invalid_code"'  # in the body of the 401 a wrong code gets
#: Scenario c uses each pending sign-in at most this often: the 3rd wrong code of one adds an
#: alert mail, the 10th of one account locks its second step (429).
MFA_MAX_USES = 2
MFA_WARM_SECONDS = 2


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating bare/SecondLock GET rounds; the median is reported")
    parser.add_argument("--accounts", type=int, default=2000,
                        help="cloned accounts for the first-failure scenario b3")
    parser.add_argument("--mfa-accounts", type=int, default=3000,
                        help="fewest 2FA accounts (one pending sign-in each) for scenario c")
    parser.add_argument("--statements", type=int, default=200,
                        help="in-process GET /me calls for the SQL count")
    parser.add_argument("--login-samples", type=int, default=40,
                        help="single-threaded failed sign-ins for b2")
    parser.add_argument("--postgres", metavar="URL",
                        help="also run GET /me with SecondLock on this PostgreSQL "
                             "(postgresql+psycopg://...; migrated, accounts added)")
    parser.add_argument("--no-pin", action="store_true", help="do not pin with taskset")
    parser.add_argument("--record", action="store_true", help="add the figures to RESULTS.md")
    parser.add_argument("--only", choices=sorted(EXTRA_SCENARIOS),
                        help="run just this extra scenario (SecondLock only, about 30 s)")
    return parser.parse_args()


def login_scenario(name: str, request_lua: str = "") -> Scenario:
    """A wrong-password sign-in; request_lua may vary the body per request."""
    return Scenario(name, "POST", "/api/v1/login", headers=JSON_HEADERS, body=WRONG_BODY,
                    request_lua=request_lua)


def median(results: list[Result]) -> tuple[Result, str]:
    """The median run by req/s, and the range over all runs."""
    ordered = sorted(results, key=lambda r: r.rps)
    spread = f"{ordered[0].rps:.0f}-{ordered[-1].rps:.0f}" if len(ordered) > 1 else ""
    return ordered[len(ordered) // 2], spread


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.machine())
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True,
                              cwd=BENCH_DIR).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "?"
    if git("status", "--porcelain", "--", "../src"):
        commit += " + uncommitted changes in src/"
    libs = ", ".join(f"{p} {version(p)}" for p in
                     ("uvicorn", "starlette", "fastapi", "sqlalchemy", "pydantic"))
    load1, load5, _ = os.getloadavg()
    return (f"nproc {os.cpu_count()} ({model}), Python {platform.python_version()}, {libs}; "
            f"uvicorn {' '.join(uvicorn_options())}; commit {commit}; "
            f"load average at start {load1:.2f}/{load5:.2f}")


class Bench:
    def __init__(self, args: argparse.Namespace, tmp: Path, servers: list[Server]) -> None:
        self.args = args
        self.tmp = tmp
        self.servers = servers
        self.pin_server, pin_load = ([], []) if args.no_pin else pin_plan()
        self.load = Load(args.threads, args.connections, args.duration, pin_load)
        self.settings = settings_for(tmp / "data", trusted_proxies=PROXIES)
        self.mfa_note = ""

    def describe(self) -> str:
        where = (f"; servers pinned with `{' '.join(self.pin_server)}`, wrk with "
                 f"`{' '.join(self.load.pin)}`" if self.pin_server else "; not pinned")
        return f"`wrk -t{self.load.threads} -c{self.load.connections} -d{self.load.seconds}s`" \
               f" on loopback{where}"

    def start_servers(self) -> tuple[Server, Server, str]:
        settings = self.settings
        migrate(settings)
        sl = start("secondlock", "secondlock_app:create", factory=True,
                   env=server_env(settings, dict(os.environ), trusted_proxies=PROXIES),
                   log=self.tmp / "secondlock.log", pin=self.pin_server, ready_path="/healthz")
        self.servers.append(sl)
        bare_env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDLOCK_")}
        self.servers.append(start("bare", "bare_app:app", env=bare_env, pin=self.pin_server,
                                  log=self.tmp / "bare.log", ready_path="/json"))
        sl.mark_memory("started")
        token = sign_up_and_log_in(sl.base)
        clone_accounts(settings.resolved_database_url, self.args.accounts)
        sl.mark_memory("seeded (1 sign-up, 1 sign-in)")
        return sl, self.servers[-1], token

    def measure(self, scenario: Scenario, server: Server, *, warm: bool) -> Result:
        if warm:
            self.load.run(scenario, server, self.tmp, seconds=2)
        result = self.load.run(scenario, server, self.tmp)
        print(f"  {scenario.name:<48} {result.rps:8.0f} req/s", flush=True)
        return result

    def measure_warm(self, scenario: Scenario, server: Server, warm: bool) -> Result:
        return self.measure(scenario, server, warm=warm)

    def postgres(self, bare_get: Scenario) -> list[Row]:
        """a-pg, a2-pg: GET /me on PostgreSQL, alternating with the bare app's GET /json."""
        env = server_env(self.settings, dict(os.environ), trusted_proxies=PROXIES)
        pg = start_on_postgres(self.args.postgres, env, log=self.tmp / "secondlock-pg.log",
                               pin=self.pin_server)
        self.servers.append(pg)
        scenarios = [me_scenario(f"{name}: GET /api/v1/me (bearer), PostgreSQL{extra}",
                                 account_token(pg.base, with_2fa=with_2fa))
                     for name, extra, with_2fa in (("a-pg", "", False),
                                                   ("a2-pg", ", account with 2FA", True))]
        bare = self.servers[1]
        runs = alternate(self.measure_warm, [(bare_get, bare), *((s, pg) for s in scenarios)],
                         self.args.rounds)
        (base, _), *medians = map(median, runs)
        pg.stop()
        return [Row.of(result, base, spread) for result, spread in medians]

    def wrong_code_scenario(self, batch: MfaBatch) -> Scenario:
        lua = MFA_WRONG_CODE.format(threads=self.load.threads, count=batch.count,
                                    prefix=batch.prefix, code=WRONG_CODE)
        body = json.dumps({"mfa_token": batch.token(0), "method": "totp", "code": WRONG_CODE})
        return Scenario("c: POST /login/verify, wrong TOTP code", "POST", "/api/v1/login/verify",
                        headers=JSON_HEADERS, body=body, request_lua=lua, body_tag=INVALID_CODE)

    def wrong_codes(self, sl: Server) -> Result:
        """Scenario c: a warm-up on its own batch sizes the measured batch from its req/s."""
        warm = seed_mfa_accounts(self.settings, self.args.mfa_accounts)
        warm_r = self.load.run(self.wrong_code_scenario(warm), sl, self.tmp,
                               seconds=MFA_WARM_SECONDS)
        needed = math.ceil(1.5 * warm_r.rps * self.load.seconds / MFA_MAX_USES)
        batch = seed_mfa_accounts(self.settings, max(self.args.mfa_accounts, needed))
        if batch.expires_at.timestamp() - time.time() < self.load.seconds + 10:
            print("  warning: the pending sign-ins expire before the run ends (410s)",
                  file=sys.stderr)
        result = self.measure(self.wrong_code_scenario(batch), sl, warm=False)
        uses = math.ceil(result.requests / batch.count)
        self.mfa_note = (f"c: {batch.count} accounts with 2FA, one pending sign-in each "
                         f"(warm-up: {warm_r.rps:.0f} req/s on another {warm.count}); "
                         f"{result.requests} requests, so each pending sign-in was used at most "
                         f"{uses} time{'s' if uses != 1 else ''}"
                         + (" (3rd wrong code: alert mail)" if uses >= 3 else ""))
        return result

    def refused(self, sl: Server, bare: Server, bare_post: Scenario) -> tuple[Result, Result]:
        """Scenario r: sign-ins refused because the account and the IP are locked (b1 and
        b1r locked both), alternating with the bare app's POST for the ratio."""
        r = login_scenario("r: POST /login, refused (account and IP locked)")
        runs: dict[str, list[Result]] = {"bare": [], "secondlock": []}
        for _ in range(self.args.rounds):
            runs["bare"].append(self.measure(bare_post, bare, warm=False))
            runs["secondlock"].append(self.measure(r, sl, warm=False))
        return median(runs["secondlock"])[0], median(runs["bare"])[0]

    def run(self) -> str:
        sl, bare, token = self.start_servers()
        me = Scenario("a: GET /api/v1/me (bearer)", "GET", "/api/v1/me",
                      headers={"Authorization": f"Bearer {token}"})
        bare_get = Scenario("bare: GET /json", "GET", "/json")
        bare_post = Scenario("bare: POST /login (reads body, 401)", "POST", "/login",
                             headers=JSON_HEADERS, body=WRONG_BODY)
        b3 = login_scenario("b3: POST /login, first failures (own account+IP)",
                            FIRST_FAILURE.format(accounts=self.args.accounts))
        b1 = login_scenario("b1: POST /login, wrong password, one account")
        b1r = login_scenario("b1r: POST /login, random unknown emails", RANDOM_EMAIL)

        me2 = me_scenario("a2: GET /api/v1/me (bearer), account with 2FA",
                          account_token(sl.base, with_2fa=True))
        gets = alternate(self.measure_warm, [(bare_get, bare), (me, sl), (me2, sl)],
                         self.args.rounds)  # alternate, so drift hits all alike
        (bare_get_r, bare_spread), (me_r, me_spread), (me2_r, me2_spread) = map(median, gets)
        sl.mark_memory("after GET /me")
        on_pg = self.postgres(bare_get) if self.args.postgres else []
        bare_post_r = self.measure(bare_post, bare, warm=True)
        # No warm-up for sign-ins: it would spend the throttles' budget before the run.
        b3_r = self.measure(b3, sl, warm=False)
        sl.mark_memory("after b3 (first failures)")
        b1_r = self.measure(b1, sl, warm=False)
        b1r_r = self.measure(b1r, sl, warm=False)
        sl.mark_memory("after b1 and b1r (throttled)")
        r_r, r_bare = self.refused(sl, bare, bare_post)
        c_r = self.wrong_codes(sl)
        sl.mark_memory("after c (wrong TOTP codes)")
        rss_now = sl.status("VmRSS")

        print("  in-process: SQL statements and single-threaded sign-in cost ...", flush=True)
        statements = count_statements(self.args.statements)
        cost = failed_login_cost(self.args.login_samples)
        me_row, me2_row = Row.of(me_r, bare_get_r, me_spread), Row.of(me2_r, bare_get_r,
                                                                       me2_spread)
        c_row, r_row = Row.of(c_r, bare_post_r), Row.of(r_r, r_bare)
        rows = [Row.of(bare_get_r, bare_get_r, bare_spread), me_row, me2_row, *on_pg,
                Row.of(bare_post_r, bare_post_r), Row.of(b3_r, bare_post_r),
                Row.of(b1_r, bare_post_r), Row.of(b1r_r, bare_post_r), c_row, r_row,
                Row.single_threaded("b2: POST /login, first failure, in-process, 1 thread",
                                    cost, bare_post_r)]
        extras = [EXTRA_SCENARIOS[name](self, sl) for name in sorted(EXTRA_SCENARIOS)]
        held = {"GET /me": me_row, "GET /me with 2FA": me2_row,
                **{f"{r.scenario.split(':')[0]} (PostgreSQL)": r for r in on_pg},
                "c (wrong TOTP code)": c_row, "r (refused sign-in)": r_row}
        return "\n\n".join([render(rows, sl.marks, rss_now, statements, cost, held,
                                    notes=[self.mfa_note]), *extras])


def wrong_code_tail(bench: Bench, sl: Server) -> str:
    """#17: wrong TOTP codes on SQLite, 16 concurrent against 1: latency, not throughput.

    Target: p99 at 16 concurrent <= 100 ms (it was 2.1-2.3 s while writers slept in SQLite's
    busy handler). Each run gets its own batch of pending sign-ins, each used at most twice.
    """
    lines = ["| wrong TOTP code (SQLite) | req/s | p50 ms | p99 ms | server CPU ms/req "
             "| statuses |", "|---|---:|---:|---:|---:|---|"]
    p99_16 = math.nan
    for connections in (1, bench.args.connections):
        load = Load(1, connections, bench.load.seconds, bench.load.pin)
        warm = seed_mfa_accounts(bench.settings, bench.args.mfa_accounts)
        warm_r = load.run(bench.wrong_code_scenario(warm), sl, bench.tmp, seconds=MFA_WARM_SECONDS)
        needed = math.ceil(1.5 * warm_r.rps * load.seconds / MFA_MAX_USES)
        batch = seed_mfa_accounts(bench.settings, max(bench.args.mfa_accounts, needed))
        r = load.run(bench.wrong_code_scenario(batch), sl, bench.tmp)
        lines.append(f"| {connections} concurrent | {r.rps:.0f} | {r.p50_ms:.1f} "
                     f"| {r.p99_ms:.1f} | {r.cpu_ms_per_request:.2f} "
                     f"| {status_mix(r.statuses, r.tags)} |")
        print(f"  wrong code, c={connections}: {r.rps:.0f} req/s, p99 {r.p99_ms:.1f} ms",
              flush=True)
        p99_16 = r.p99_ms
    verdict = "met" if p99_16 <= 100 else "MISSED"
    load1, load5, _ = os.getloadavg()
    lines += ["", f"Target: p99 at {bench.args.connections} concurrent <= 100 ms: {verdict} "
              f"(load average after: {load1:.2f}/{load5:.2f})"]
    return "\n".join(lines)


#: Scenarios outside the main table, run after it or alone with --only NAME.
EXTRA_SCENARIOS = {"wrong-code-tail": wrong_code_tail}


def run_only(bench: Bench, name: str) -> str:
    sl, _bare, _token = bench.start_servers()
    return EXTRA_SCENARIOS[name](bench, sl)


def main() -> int:
    args = parse_args()
    servers: list[Server] = []

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    about = machine()
    with tempfile.TemporaryDirectory(prefix="secondlock-bench-") as tmp:
        bench = Bench(args, Path(tmp), servers)
        print(f"# {about}\n# load: {bench.describe()}", flush=True)
        try:
            table = run_only(bench, args.only) if args.only else bench.run()
        except KeyboardInterrupt:
            print("interrupted; servers stopped", file=sys.stderr)
            return 130
        finally:
            for server in servers:
                server.stop()
    print("\n" + table)
    if args.record:
        record(RESULTS, table, about, bench.describe())
    return 0


if __name__ == "__main__":
    sys.exit(main())
