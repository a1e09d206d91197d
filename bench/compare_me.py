"""GET /api/v1/me: the shipped app against the prototypes in me_variants.py, under wrk.

``.venv/bin/python bench/compare_me.py [--rounds 2] [variant ...]`` starts one server per
variant (same uvicorn options and pinning as run.py), runs the same wrk load against each in
turn, alternating over the rounds, and prints the median run (the upper one for an even
count) by req/s, with its latency and server CPU ms/request.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

from load import Load, Result, Scenario
from me_variants import VARIANTS
from seed import migrate, server_env, settings_for, sign_up_and_log_in
from servers import Server, pin_plan, start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("variants", nargs="*", default=list(VARIANTS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    def on_term(_sig: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    pin_server, pin_load = pin_plan()
    load = Load(1, args.connections, args.duration, pin_load)
    results: dict[str, list[Result]] = {v: [] for v in args.variants}
    with tempfile.TemporaryDirectory(prefix="secondlock-bench-") as tmp:
        for round_ in range(args.rounds):
            for variant in args.variants:
                server: Server | None = None
                try:
                    settings = settings_for(Path(tmp) / f"{variant}-{round_}")
                    migrate(settings)
                    env = server_env(settings, dict(os.environ), trusted_proxies="")
                    env["BENCH_VARIANT"] = variant
                    server = start(variant, "me_variants:create", env=env, factory=True,
                                   log=Path(tmp) / f"{variant}.log", pin=pin_server,
                                   ready_path="/healthz")
                    token = sign_up_and_log_in(server.base)
                    me = Scenario(f"me-{variant}", "GET", "/api/v1/me",
                                  headers={"Authorization": f"Bearer {token}"})
                    load.run(me, server, Path(tmp), seconds=2)
                    result = load.run(me, server, Path(tmp))
                    if set(result.statuses) != {200}:
                        raise RuntimeError(f"{variant}: statuses {result.statuses}")
                    results[variant].append(result)
                    print(f"  {variant:<14} {result.rps:8.0f} req/s "
                          f"{result.cpu_ms_per_request:6.3f} ms CPU/req", flush=True)
                except KeyboardInterrupt:
                    print("interrupted; server stopped", file=sys.stderr)
                    return 130
                finally:
                    if server is not None:
                        server.stop()
    print(f"\n{load.describe()}, median of {args.rounds}\n")
    print("| variant | req/s | p50 ms | p99 ms | server CPU ms/req | what |")
    print("|---|---:|---:|---:|---:|---|")
    for variant, runs in results.items():
        r = sorted(runs, key=lambda x: x.rps)[len(runs) // 2]
        print(f"| {variant} | {r.rps:.0f} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | "
              f"{r.cpu_ms_per_request:.3f} | {VARIANTS[variant]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
