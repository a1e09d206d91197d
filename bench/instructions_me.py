"""Instructions per in-process GET /api/v1/me, counted by valgrind (callgrind).

``.venv/bin/python bench/instructions_me.py [-n 1000]`` (about 2.5 minutes) runs the app
in-process (no sockets, no uvicorn) under ``valgrind --tool=callgrind`` and prints the
instructions one GET /me costs on average. Unlike CPU time this does not move with the
machine's load: the same code gives the same count within a fraction of a percent, so a
change of 1-2 % shows (issue #17 used it to take GET /me from 208,700 to 165,000).

Only the requests are counted: collection is switched on inside uvloop's ``Loop._run``,
which runs the requests and nothing else (start-up, migrations and the sign-up run before
it). Valgrind's own package is on every machine here; ``apt-get install -y valgrind``
elsewhere.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

#: uvloop's run loop, as its shared object names it; collection is on while it runs.
RUN_LOOP = "__pyx_f_6uvloop_4loop_4Loop__run"
WARM_UP = 200


def measure(n: int) -> None:
    """Under valgrind: sign up, then WARM_UP + n requests inside one uvloop run each."""
    import uvloop
    from profile_me import BENCH_INFO, asgi_caller, signed_up_app
    from seed import EMAIL, PASSWORD

    with signed_up_app() as (app, _settings, _folder):
        token = app.state.services.login.login(EMAIL, PASSWORD, BENCH_INFO).session.token
        call = asgi_caller(app, "/api/v1/me", [(b"authorization", f"Bearer {token}".encode())])

        async def many(count: int) -> None:
            for _ in range(count):
                if await call() != 200:
                    raise RuntimeError("GET /me did not answer 200")

        loop = uvloop.new_event_loop()
        loop.run_until_complete(many(WARM_UP))
        loop.run_until_complete(many(n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=1000, help="requests counted after warm-up")
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        measure(args.n)
        return 0
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (apt-get install -y valgrind)", file=sys.stderr)
        return 1
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--collect-atstart=no", f"--toggle-collect={RUN_LOOP}",
         "--callgrind-out-file=/dev/null", sys.executable, str(Path(__file__).resolve()),
         "--inside", "-n", str(args.n)],
        capture_output=True, text=True, check=False, cwd=Path(__file__).resolve().parent)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        print(done.stderr[-2000:], file=sys.stderr)
        return 1
    # The warm-up runs inside the same loop function, so it is counted too: divide by both.
    per_request = int(found.group(1)) / (WARM_UP + args.n)
    print(f"GET /api/v1/me in-process: {per_request:,.0f} instructions per request "
          f"(callgrind, {WARM_UP} + {args.n} requests)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
