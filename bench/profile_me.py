"""Where GET /api/v1/me spends its time, in-process (no sockets, no uvicorn).

``.venv/bin/python bench/profile_me.py [-n 3000] [--top 25]`` prints

1. CPU microseconds per call for each layer, from a raw sqlite3 query up to the full app
   with its worker-thread hop, and the bare Starlette app for comparison;
2. a cProfile of the full app (thread hop inlined, so one thread sees everything): the top
   entries by own time, then by cumulative time in SecondLock, SQLAlchemy, FastAPI/Starlette
   and pydantic. cProfile inflates every call; compare entries with each other, not with (1).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from unittest import mock

import fastapi.dependencies.utils
import fastapi.routing
from bare_app import app as bare_app
from fastapi import FastAPI
from seed import EMAIL, PASSWORD, migrate, settings_for

from secondlock.config import Settings
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.repositories import SESSION_VIEW, Sessions
from secondlock.web.app import create_app

T = TypeVar("T")
#: Who the profilers' requests come from.
BENCH_INFO = RequestInfo.of("127.0.0.1", "bench")
GROUPS: dict[str, str | tuple[str, ...]] = {
    "secondlock": "/secondlock/", "sqlalchemy": "/sqlalchemy/",
    "fastapi/starlette": ("/fastapi/", "/starlette/"), "pydantic": "/pydantic"}


async def _inline(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return func(*args, **kwargs)


@contextmanager
def no_thread_hop() -> Any:
    """Run sync endpoints and dependencies on the event loop (for profiling only)."""
    with mock.patch.object(fastapi.routing, "run_in_threadpool", _inline), \
            mock.patch.object(fastapi.dependencies.utils, "run_in_threadpool", _inline):
        yield


def asgi_caller(app: Any, path: str, headers: list[tuple[bytes, bytes]], *,
                method: str = "GET",
                body: Callable[[], bytes] | None = None) -> Callable[[], Awaitable[int]]:
    """One request per call; ``body`` gives each call its request body."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": method, "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [(b"host", b"localhost"), *headers],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}

    async def call() -> int:
        status = 0
        content = body() if body is not None else b""
        extra = [(b"content-type", b"application/json"),
                 (b"content-length", str(len(content)).encode())] if body is not None else []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": content, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope, state={}, headers=[*scope["headers"], *extra]), receive, send)
        return status

    return call


def cpu_us(fn: Callable[[], Any], n: int, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(n):
            fn()
        best = min(best, time.process_time() - start)
    return 1e6 * best / n


def async_cpu_us(loop: asyncio.AbstractEventLoop, call: Callable[[], Awaitable[int]],
                 n: int) -> float:
    async def many() -> None:
        for _ in range(n):
            if await call() != 200:
                raise RuntimeError("not 200")

    return cpu_us(lambda: loop.run_until_complete(many()), 1) / n


def layers(app: FastAPI, token: str, db_path: Path, n: int) -> None:
    services = app.state.services
    db = services.rt.db
    token_hash = hash_token(token)
    raw = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    sql = str(SESSION_VIEW.where(SessionRow.token_hash == token_hash)
              .compile(db.engine, compile_kwargs={}))

    def raw_query() -> None:
        raw.execute("BEGIN")
        raw.execute(sql, (token_hash,)).fetchone()
        raw.execute("ROLLBACK")

    def core_query() -> None:
        with db.engine.connect() as conn:
            conn.execute(SESSION_VIEW.where(SessionRow.token_hash == token_hash)).first()

    def orm_query() -> None:
        with db.read() as s:
            Sessions(s).view_by_token_hash(token_hash)

    loop = asyncio.new_event_loop()
    auth = [(b"authorization", f"Bearer {token}".encode())]
    me = asgi_caller(app, "/api/v1/me", auth)
    rows = [("raw sqlite3: BEGIN; SELECT; ROLLBACK", cpu_us(raw_query, n)),
            ("SQLAlchemy Core: connect + execute", cpu_us(core_query, n)),
            ("db.read() Session + Sessions.view_by_token_hash", cpu_us(orm_query, n)),
            ("SessionService.authenticate(token)",
             cpu_us(lambda: services.sessions.authenticate(token), n)),
            ("bare Starlette GET /json (ASGI, no server)",
             async_cpu_us(loop, asgi_caller(bare_app, "/json", []), n))]
    with no_thread_hop():
        rows.append(("full app GET /me, thread hop inlined", async_cpu_us(loop, me, n)))
    rows.append(("full app GET /me, with the worker-thread hop", async_cpu_us(loop, me, n)))
    loop.close()
    print(f"CPU per call (best of 3 x {n}):")
    for label, us in rows:
        print(f"  {us:8.1f} us  {label}")


def profile(app: FastAPI, token: str, n: int, top: int) -> None:
    loop = asyncio.new_event_loop()
    call = asgi_caller(app, "/api/v1/me", [(b"authorization", f"Bearer {token}".encode())])
    with no_thread_hop():
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            loop.run_until_complete(call())
        prof.disable()
    loop.close()
    print_profile(prof, n, top, GROUPS)


def print_profile(prof: cProfile.Profile, n: int, top: int,
                  groups: dict[str, str | tuple[str, ...]]) -> None:
    """Top entries by own time, then by cumulative time within each group of files."""
    stats = pstats.Stats(prof)
    entries = stats.stats  # type: ignore[attr-defined]
    own = sorted(entries.items(), key=lambda kv: kv[1][2], reverse=True)
    print("\nall code: top by own time, us per request")
    for (file, line, func), (_cc, calls, tt, _ct, _callers) in own[:top]:
        short = file.split("site-packages/")[-1].split("/src/")[-1]
        print(f"  {1e6 * tt / n:8.1f}  {calls / n:5.1f}x  {short}:{line} {func}")
    for group, needles in groups.items():
        needles = (needles,) if isinstance(needles, str) else needles
        chosen = [(key, value) for key, value in entries.items()
                  if any(x in key[0] for x in needles)]
        chosen.sort(key=lambda kv: kv[1][3], reverse=True)
        print(f"\n{group}: top by cumulative time, us per request (own time in brackets)")
        for (file, line, func), (_cc, calls, tt, ct, _callers) in chosen[:top]:
            short = file.split("site-packages/")[-1].split("/src/")[-1]
            print(f"  {1e6 * ct / n:8.1f} ({1e6 * tt / n:6.1f})  {calls / n:5.1f}x  "
                  f"{short}:{line} {func}")


def profiler_args(doc: str | None, default_n: int) -> argparse.Namespace:
    """The profilers' options: ``-n`` calls per measurement, ``--top`` profile entries."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("-n", type=int, default=default_n, help="calls per measurement")
    parser.add_argument("--top", type=int, default=15)
    return parser.parse_args()


@contextmanager
def signed_up_app() -> Iterator[tuple[FastAPI, Settings, Path]]:
    """An app on a fresh SQLite database in a temporary folder, with ``EMAIL`` signed up:
    (the app, its settings, the folder). Its database is closed afterwards."""
    with tempfile.TemporaryDirectory(prefix="secondlock-profile-") as tmp:
        settings = settings_for(Path(tmp))
        migrate(settings)
        app = create_app(settings, mailer=OutboxMailer(echo=False))
        app.state.services.accounts.sign_up(EMAIL, PASSWORD, BENCH_INFO, send_welcome=False)
        try:
            yield app, settings, Path(tmp)
        finally:
            app.state.services.rt.db.dispose()


def main() -> None:
    args = profiler_args(__doc__, 3000)
    with signed_up_app() as (app, _settings, folder):
        token = app.state.services.login.login(EMAIL, PASSWORD, BENCH_INFO).session.token
        layers(app, token, folder / "secondlock.db", args.n)
        profile(app, token, args.n, args.top)


if __name__ == "__main__":
    main()
