"""In-process measures: SQL statements per request, and the CPU cost of one failed sign-in."""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from seed import (
    CLONE_EMAIL,
    EMAIL,
    PASSWORD,
    WRONG_CODE,
    WRONG_PASSWORD,
    clone_accounts,
    migrate,
    seed_mfa_accounts,
    settings_for,
)
from sqlalchemy import Engine, event, func, select
from starlette.testclient import TestClient

from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm_outbox import OutboxMessage
from secondlock.web.app import create_app

LOGIN = "/api/v1/login"
VERIFY = "/api/v1/login/verify"
ME = "/api/v1/me"


@dataclass(frozen=True)
class Statements:
    label: str
    requests: int
    seen: Counter[str]

    @property
    def per_request(self) -> float:
        return sum(n for sql, n in self.seen.items() if not sql.startswith("(")) / self.requests

    def lines(self) -> list[str]:
        return [f"    {n / self.requests:5.2f} x {sql}" for sql, n in self.seen.most_common()]


@dataclass(frozen=True)
class LoginCost:
    requests: int
    cpu_ms: float
    wall_ms: float
    argon2_cpu_ms: float
    statuses: Counter[int]

    @property
    def rps(self) -> float:
        return 1000 / self.cpu_ms


@contextmanager
def counting(db: Database) -> Iterator[Counter[str]]:
    """Every statement SQLite really runs, by shape; commits and rollbacks in brackets.

    Counted at the driver (sqlite3's trace callback, set on each connection as it leaves the
    pool), so statements sent on raw DBAPI connections - the session lookup's fast path - are
    counted as well as those that go through SQLAlchemy.
    """
    seen: Counter[str] = Counter()

    def on_statement(statement: str) -> None:
        shape = " ".join(statement.split())[:90]
        if shape.upper() in ("COMMIT", "ROLLBACK"):
            shape = f"({shape.upper()})"
        seen[shape] += 1

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.set_trace_callback(on_statement)

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            dbapi_connection.set_trace_callback(None)

    engines: list[Engine] = list({id(e): e for e in (
        db.engine, db._write_engine, db.autocommit_engine)}.values())
    hooks = (("checkout", on_checkout), ("checkin", on_checkin))
    for engine in engines:
        for name, hook in hooks:
            event.listen(engine, name, hook)
    try:
        yield seen
    finally:
        for engine in engines:
            for name, hook in hooks:
                event.remove(engine, name, hook)


@contextmanager
def sandbox(clones: int = 0) -> Iterator[FastAPI]:
    with tempfile.TemporaryDirectory(prefix="secondlock-bench-") as tmp:
        settings = settings_for(Path(tmp), trusted_proxies="127.0.0.1/32")
        migrate(settings)
        app = create_app(settings, mailer=OutboxMailer(echo=False))
        with TestClient(app, client=("127.0.0.1", 50000)) as client:
            client.post("/api/v1/accounts", json={"email": EMAIL, "password": PASSWORD})
            if clones:
                clone_accounts(settings.resolved_database_url, clones)
            app.state.bench_client = client
            yield app


def count_statements(n: int) -> list[Statements]:
    """GET /me n times, then one failed sign-in before and one after the account lock."""
    out: list[Statements] = []
    with sandbox() as app:
        client: TestClient = app.state.bench_client
        db: Database = app.state.services.rt.db
        token = client.post(LOGIN, json={"email": EMAIL, "password": PASSWORD}).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        client.get(ME, headers=auth)
        # The lookup's kept connection goes, so that the next one leaves the pool (counted).
        app.state.services.sessions.lookup.close()
        with counting(db) as seen:
            for _ in range(n):
                if client.get(ME, headers=auth).status_code != 200:
                    raise RuntimeError("GET /me failed in-process")
        out.append(Statements("GET /api/v1/me (200)", n, seen))
        wrong = {"email": EMAIL, "password": WRONG_PASSWORD}
        with counting(db) as seen:
            status = client.post(LOGIN, json=wrong).status_code
        out.append(Statements(f"POST /api/v1/login, first failure ({status})", 1, seen))
        for _ in range(10):  # ACCOUNT_LOGIN_POLICY: 5 free failures, then locked
            if client.post(LOGIN, json=wrong).status_code == 429:
                break
        outbox_sent(db)  # the lock's notice leaves first: its statements are not the 429's
        with counting(db) as seen:
            status = client.post(LOGIN, json=wrong).status_code
        out.append(Statements(f"POST /api/v1/login, account locked ({status})", 1, seen))
        out += wrong_code_statements(app, client, db)
    return out


def outbox_sent(db: Database, timeout: float = 5.0) -> None:
    """Wait until the outbox dispatcher (a background task) has nothing pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as s:
            if not s.scalar(select(func.count()).select_from(OutboxMessage)
                            .where(OutboxMessage.status == "pending")):
                time.sleep(0.05)  # its last transaction commits, then the claim ends
                return
        time.sleep(0.02)


def wrong_code_statements(app: FastAPI, client: TestClient, db: Database) -> list[Statements]:
    """Scenario c's request: a wrong TOTP code for a fresh pending sign-in (2FA account).

    Also the third wrong code for the same pending sign-in, which adds the "correct password,
    wrong code" alert (a mail and the owner's email read).
    """
    out: list[Statements] = []
    batch = seed_mfa_accounts(app.state.settings, 1)
    body = {"mfa_token": batch.token(0), "method": "totp", "code": WRONG_CODE}
    for attempt in (1, 2, 3):
        with counting(db) as seen:
            response = client.post(VERIFY, json=body)
        code = response.json().get("code", "?")
        if attempt != 2:
            which = "first wrong code" if attempt == 1 else "third wrong code, alert mail"
            out.append(Statements(f"POST /api/v1/login/verify, {which} ({response.status_code} "
                                  f"{code})", 1, seen))
    return out


def failed_login_cost(n: int) -> LoginCost:
    """n wrong-password sign-ins, one thread, each a first failure (own account, own IP)."""
    with sandbox(clones=n + 1) as app:
        client: TestClient = app.state.bench_client
        statuses: Counter[int] = Counter()

        def attempt(i: int) -> None:
            response = client.post(LOGIN, json={"email": CLONE_EMAIL.format(i),
                                                "password": WRONG_PASSWORD},
                                   headers={"X-Forwarded-For": f"10.9.{i // 250}.{i % 250 + 1}"})
            statuses[response.status_code] += 1

        attempt(n)  # warm-up
        statuses.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for i in range(n):
            attempt(i)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        hasher = app.state.services.rt.hasher
        stored = hasher.hash(PASSWORD)
        argon2 = time.process_time()
        for _ in range(n):
            hasher.verify(stored, WRONG_PASSWORD)
        argon2 = time.process_time() - argon2
    return LoginCost(n, 1000 * cpu / n, 1000 * wall / n, 1000 * argon2 / n, statuses)
