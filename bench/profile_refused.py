"""Where a refused POST /api/v1/login (scenario r) spends its time, in-process.

``.venv/bin/python bench/profile_refused.py [-n 3000] [--top 15]`` locks one account and the
IP (wrong passwords until both counters are over their cap), then prints

1. CPU microseconds per call: the pieces of the refusal (the email's normal form, the lock
   check alone, the problem+json answer), the full app, and the bare app's POST;
2. a cProfile of the full app: top entries by own time, then by cumulative time in
   SecondLock, SQLAlchemy, FastAPI/Starlette and pydantic. cProfile inflates every call;
   compare entries with each other, not with (1).
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import json
from collections.abc import Callable
from typing import Any

from bare_app import app as bare_app
from fastapi import FastAPI
from profile_me import (
    BENCH_INFO,
    GROUPS,
    asgi_caller,
    cpu_us,
    print_profile,
    profiler_args,
    signed_up_app,
)
from seed import EMAIL, WRONG_PASSWORD

from secondlock.core.emails import lookup_form, normalise_email
from secondlock.core.errors import InvalidCredentialsError, RateLimitedError
from secondlock.core.request_info import RequestInfo
from secondlock.web.problems import problem_for

LOGIN = "/api/v1/login"
WRONG_BODY = json.dumps({"email": EMAIL, "password": WRONG_PASSWORD}).encode()
#: Wrong passwords from one IP: over the IP's cap (30) and so over the account's (5) too.
LOCKING_FAILURES = 40


def lock(app: FastAPI, info: RequestInfo) -> None:
    login = app.state.services.login
    for _ in range(LOCKING_FAILURES):
        with contextlib.suppress(InvalidCredentialsError, RateLimitedError):
            login.login(EMAIL, WRONG_PASSWORD, info)


def app_calls(loop: asyncio.AbstractEventLoop, app: Any, expected: int, n: int,
              path: str = LOGIN) -> Callable[[], None]:
    call = asgi_caller(app, path, [], method="POST", body=lambda: WRONG_BODY)

    async def many() -> None:
        for _ in range(n):
            if (status := await call()) != expected:
                raise RuntimeError(f"expected {expected}, got {status}")

    return lambda: loop.run_until_complete(many())


def refused_check(app: FastAPI, info: RequestInfo) -> Callable[[], None]:
    login = app.state.services.login

    def call() -> None:
        try:
            login.check_locks(EMAIL, info)
        except RateLimitedError:
            return
        raise RuntimeError("the lock check let an attempt through")

    return call


def problem(app: FastAPI, info: RequestInfo) -> Callable[[], object]:
    """The 429 problem+json response for the refusal (its body and headers)."""
    try:
        app.state.services.login.check_locks(EMAIL, info)
    except RateLimitedError as exc:
        error = exc
    else:
        raise RuntimeError("the lock check let an attempt through")
    return lambda: problem_for(error)


def main() -> None:
    args = profiler_args(__doc__, 3000)
    n = args.n
    with signed_up_app() as (app, _settings, _folder):
        info = BENCH_INFO
        lock(app, info)
        loop = asyncio.new_event_loop()
        rows = [("email normal form (email_validator)", cpu_us(lambda: normalise_email(EMAIL), n)),
                ("email lookup form (plain ASCII)", cpu_us(lambda: lookup_form(EMAIL), n)),
                ("LoginService.check_locks, refused (raises)", cpu_us(refused_check(app, info), n)),
                ("exception handler: the 429 problem+json", cpu_us(problem(app, info), n)),
                ("full app POST /login, refused (429)",
                 cpu_us(app_calls(loop, app, 429, n), 1) / n),
                ("bare Starlette POST /login (reads body, 401)",
                 cpu_us(app_calls(loop, bare_app, 401, n, "/login"), 1) / n)]
        print(f"CPU per call (best of 3 x {n}):")
        for label, us in rows:
            print(f"  {us:8.1f} us  {label}")
        prof = cProfile.Profile()
        many = app_calls(loop, app, 429, n)
        prof.enable()
        many()
        prof.disable()
        loop.close()
        print_profile(prof, n, args.top, GROUPS)


if __name__ == "__main__":
    main()
