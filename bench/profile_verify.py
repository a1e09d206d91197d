"""Where a wrong-code POST /api/v1/login/verify (scenario c) spends its time, in-process.

``.venv/bin/python bench/profile_verify.py [-n 300] [--top 15]`` seeds pending sign-ins of
2FA accounts (seed.seed_mfa_accounts, one fresh token per call, so every call is a first
wrong code: no alert mail, no lock) and prints

1. CPU microseconds per call: pieces of the check (token hash, TOTP secret decryption, the
   TOTP comparison), the service call, and the full app with and without the thread hop;
2. a cProfile of the full app (thread hop inlined): top entries by own time, then by
   cumulative time in SecondLock, SQLAlchemy, FastAPI/Starlette and pydantic. cProfile
   inflates every call; compare entries with each other, not with (1).
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from profile_me import (
    GROUPS,
    asgi_caller,
    cpu_us,
    no_thread_hop,
    print_profile,
    profiler_args,
    signed_up_app,
)
from seed import WRONG_CODE, MfaBatch, seed_mfa_accounts

from secondlock.core import totp
from secondlock.core.errors import InvalidCodeError
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token
from secondlock.services.second_factor import open_totp_secret
from secondlock.storage.repositories import Authenticators, MfaChallenges

VERIFY = "/api/v1/login/verify"


class Tokens:
    """Hands out each seeded pending sign-in once."""

    def __init__(self, batch: MfaBatch) -> None:
        self._next: Iterator[int] = iter(range(batch.count))
        self.batch = batch

    def take(self) -> str:
        return self.batch.token(next(self._next))

    def body(self) -> bytes:
        return json.dumps({"mfa_token": self.take(), "method": "totp",
                           "code": WRONG_CODE}).encode()


def cpu_us_once(fn: Callable[[], Any], n: int) -> float:
    """CPU per call over n calls that each use fresh fixtures (no best-of)."""
    start = time.process_time()
    for _ in range(n):
        fn()
    return 1e6 * (time.process_time() - start) / n


def pieces(app: FastAPI, tokens: Tokens, n: int) -> list[tuple[str, float]]:
    services = app.state.services
    rt = services.rt
    token = tokens.take()
    with rt.db.read() as s:
        challenge = MfaChallenges(s).by_token_hash(hash_token(token))
        assert challenge is not None
        account_id = challenge.account_id
        row = Authenticators(s).for_account(account_id, confirmed_only=True, type_="totp")[0]
        s.expunge(row)
    secret = open_totp_secret(rt, row)
    now = datetime.now(UTC)

    def load() -> None:
        with rt.db.read() as s:
            MfaChallenges(s).by_token_hash(hash_token(token))
            services.second_step.factor.load(s, account_id, "totp")

    return [
        ("hash_token (SHA-256 of the mfa_token)", cpu_us(lambda: hash_token(token), n)),
        ("open_totp_secret (AES-GCM open, keyring)", cpu_us(lambda: open_totp_secret(rt, row), n)),
        ("totp.match_step, wrong code, drift 1 (3 HMACs)",
         cpu_us(lambda: totp.match_step(secret, WRONG_CODE, at=now, last_step=None), n)),
        ("db.read(): challenge + authenticators (+ decrypt)", cpu_us(load, n)),
    ]


def service_call(app: FastAPI, tokens: Tokens) -> Callable[[], None]:
    second_step = app.state.services.second_step
    info = RequestInfo.of("127.0.0.1", "bench")

    def call() -> None:
        try:
            second_step.verify(tokens.take(), "totp", WRONG_CODE, info)
        except InvalidCodeError:
            return
        raise RuntimeError("a wrong code was accepted")

    return call


def app_calls(loop: asyncio.AbstractEventLoop, app: FastAPI, tokens: Tokens,
              n: int) -> Callable[[], None]:
    call = asgi_caller(app, VERIFY, [], method="POST", body=tokens.body)

    async def many() -> None:
        for _ in range(n):
            if (status := await call()) != 401:
                raise RuntimeError(f"expected 401, got {status}")

    return lambda: loop.run_until_complete(many())


def main() -> None:
    args = profiler_args(__doc__, 300)
    n = args.n
    with signed_up_app() as (app, settings, _folder):
        tokens = Tokens(seed_mfa_accounts(settings, 5 * n + 10))
        loop = asyncio.new_event_loop()
        rows = pieces(app, tokens, n)
        service = service_call(app, tokens)
        service()  # warm-up
        rows.append(("SecondStepService.verify, wrong code (raises)", cpu_us_once(service, n)))
        with no_thread_hop():
            app_calls(loop, app, tokens, 5)()
            rows.append(("full app POST /login/verify, thread hop inlined",
                         cpu_us_once(app_calls(loop, app, tokens, n), 1) / n))
        rows.append(("full app POST /login/verify, with the worker-thread hop",
                     cpu_us_once(app_calls(loop, app, tokens, n), 1) / n))
        print(f"CPU per call ({n} calls; the pieces best of 3):")
        for label, us in rows:
            print(f"  {us:8.1f} us  {label}")
        with no_thread_hop():
            run = app_calls(loop, app, tokens, n)
            prof = cProfile.Profile()
            prof.enable()
            run()
            prof.disable()
        loop.close()
        print_profile(prof, n, args.top, GROUPS)


if __name__ == "__main__":
    main()
