"""Shared fixtures: a fixed clock, a fresh database per test, an outbox, an app and a client.

The database is SQLite in the test's tmp dir, or the PostgreSQL named by
``SECONDLOCK_TEST_DATABASE_URL`` (tables emptied before each test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.passwords import HashParameters, PasswordHasher
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.migrate import upgrade
from secondlock.storage.schema import metadata
from secondlock.web.app import create_app

TEST_SECRET = "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "plum lantern orbit quay 73"
PG_ENV = "SECONDLOCK_TEST_DATABASE_URL"
REQUIRE_ENV = "SECONDLOCK_TEST_REQUIRE_SERVICES"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

_isolated: dict[str, str] = {}


def isolated(url: str) -> str:
    """The same server, but a schema of this test run's own (concurrent runs don't collide).

    The schema is created and migrated once per run and dropped at the end of the run.
    """
    if url not in _isolated:
        schema = f"sl_test_{os.getpid()}"
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        scoped_url = scoped.render_as_string(hide_password=False)
        migrated = create_engine(scoped_url)
        upgrade(migrated)
        migrated.dispose()
        _isolated[url] = scoped_url
    return _isolated[url]


def pytest_configure(config: pytest.Config) -> None:
    # Tests build many apps and drop most without their shutdown; the PostgreSQL session
    # lookup's kept async connections are closed by a finalizer then, and psycopg's own
    # ResourceWarning for one it still sees open was raised inside __del__, failing whichever
    # test happened to run. The same goes for the sync connections of an engine a test let
    # go without dispose(). A served app closes both at shutdown (test_session_lookup.py).
    # psycopg 3.2 starts the message with "connection <psycopg...", 3.3 with "<psycopg...".
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:(connection )?<psycopg\.(Async)?Connection .*was deleted while still open:"
        "ResourceWarning")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for base in _isolated:
        engine = create_engine(base)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS sl_test_{os.getpid()} CASCADE"))
        engine.dispose()


def postgres_url() -> str | None:
    """The PostgreSQL to test against, or None (skip) when none is reachable."""
    url = os.environ.get(PG_ENV) or DEFAULT_PG_URL
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        if os.environ.get(REQUIRE_ENV) or os.environ.get(PG_ENV):
            raise RuntimeError(f"PostgreSQL required but not reachable at {url}: {exc}") from exc
        return None
    return url


def fresh_postgres(url: str) -> str:
    """An empty, migrated schema of this run's own on the server at ``url``."""
    scoped = isolated(url)
    engine = create_engine(scoped)
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    engine.dispose()
    return scoped


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    if os.environ.get(PG_ENV):
        return fresh_postgres(os.environ[PG_ENV])
    url = f"sqlite:///{tmp_path / 'secondlock.db'}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    return url


@pytest.fixture
def pg_url() -> str:
    """A clean PostgreSQL database for tests that must run there (races across connections)."""
    url = postgres_url()
    if url is None:
        pytest.skip(f"no PostgreSQL reachable (set {PG_ENV})")
    return fresh_postgres(url)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def outbox() -> OutboxMailer:
    return OutboxMailer(echo=False)


@pytest.fixture
def settings_factory(tmp_path: Path, database_url: str) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path, "secret_key": TEST_SECRET,
                                  "database_url": database_url}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.resolved_database_url)
    yield db
    db.dispose()


#: argon2id far below the settings' floor: for tests where hashing cost is not under test.
CHEAP_HASHING = HashParameters(time_cost=1, memory_kib=64, parallelism=1)


@pytest.fixture
def hasher(request: pytest.FixtureRequest) -> PasswordHasher:
    """Cheap password hashing, unless the test is marked ``real_password_hashing``."""
    if request.node.get_closest_marker("real_password_hashing"):
        return PasswordHasher()
    return PasswordHasher(CHEAP_HASHING)


@pytest.fixture
def app(settings: Settings, clock: FixedClock, outbox: OutboxMailer,
        database: Database, hasher: PasswordHasher) -> FastAPI:
    return create_app(settings, clock=clock, mailer=outbox, database=database, hasher=hasher)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://localhost:8000") as test_client:
        yield test_client


@dataclass
class MadeAccount:
    id: str
    email: str
    password: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def account_factory(client: TestClient) -> Callable[..., MadeAccount]:
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, password: str = PASSWORD) -> MadeAccount:
        email = email or f"shopper{next(counter)}@example.com"
        created = client.post("/api/v1/accounts", json={"email": email, "password": password})
        assert created.status_code == 201, created.text
        login = client.post("/api/v1/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return MadeAccount(id=created.json()["id"], email=created.json()["email"],
                           password=password, token=login.json()["token"])

    return make


@dataclass
class TotpAccount:
    account: MadeAccount
    authenticator_id: str
    secret: str
    recovery_codes: list[str]


@pytest.fixture
def totp_factory(client: TestClient, clock: FixedClock,
                 account_factory: Callable[..., MadeAccount]) -> Callable[..., TotpAccount]:
    """An account with an authenticator app confirmed (2FA on) and its recovery codes."""

    def make(email: str | None = None) -> TotpAccount:
        account = account_factory(email=email)
        started = client.post("/api/v1/me/authenticators/totp", json={"name": "iPhone"},
                              headers=account.auth)
        assert started.status_code == 201, started.text
        body = started.json()
        confirmed = client.post(f"/api/v1/me/authenticators/{body['id']}/confirm",
                                json={"code": code_at(body["secret"], clock.now())},
                                headers=account.auth)
        assert confirmed.status_code == 200, confirmed.text
        clock.advance(seconds=30)  # the confirming code's step is used up
        return TotpAccount(account, body["id"], body["secret"],
                           confirmed.json()["recovery_codes"])

    return make
