"""The signature counter is a compare-and-set: racing assertions never both succeed (WA-9).

Threads share one Services object but each takes its own database connection, on SQLite
(writers queue on BEGIN IMMEDIATE) and on PostgreSQL (really parallel transactions).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from secondlock.composition import build_runtime
from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.db import Database
from secondlock.storage.orm import WebAuthnCredential
from secondlock.storage.schema import metadata
from tests.conftest import PASSWORD, TEST_SECRET
from tests.softkey import SoftKey

INFO = RequestInfo(ip="198.51.100.7", user_agent="race")
ORIGIN = "http://localhost:8000"
RACERS = 6


@pytest.fixture(params=["sqlite", "postgresql"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    if request.param == "postgresql":
        url: str = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'race.db'}"
        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
    settings = Settings(data_dir=tmp_path, secret_key=TEST_SECRET, database_url=url)
    rt = build_runtime(settings, mailer=OutboxMailer(echo=False),
                       clock=FixedClock(), database=Database(url))
    yield Services.build(rt)
    rt.db.dispose()


def with_key(services: Services, key: SoftKey) -> str:
    services.accounts.sign_up("racer@example.com", PASSWORD, INFO, send_welcome=False)
    session = services.login.login("racer@example.com", PASSWORD, INFO).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    options = services.security_keys.registration_options(view, "key")
    return services.security_keys.register(view, key.create(options, ORIGIN), None, INFO).id


def race(services: Services, credentials: list[dict[str, Any]]) -> list[str]:
    barrier = threading.Barrier(len(credentials))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(credential: dict[str, Any]) -> None:
        barrier.wait()
        try:
            services.security_key_sign_in.verify_passwordless(credential, INFO)
            outcome = "ok"
        except Exception as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in credentials]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def stored_count(services: Services, key_id: str) -> tuple[int, bool]:
    with services.rt.db.read() as s:
        row = s.scalars(select(WebAuthnCredential).where(
            WebAuthnCredential.authenticator_id == key_id)).one()
        return row.sign_count, row.flagged_at is not None


def test_assertions_with_the_same_counter_succeed_at_most_once(services: Services) -> None:
    key = SoftKey()
    key_id = with_key(services, key)
    credentials = []
    for _ in range(RACERS):
        key.sign_count = 4  # every copy signs with counter 5
        options = services.security_key_sign_in.passwordless_options(INFO)
        credentials.append(key.get(options, ORIGIN))
    outcomes = race(services, credentials)
    assert len(outcomes) == RACERS
    assert outcomes.count("ok") <= 1, outcomes
    assert set(outcomes) <= {"ok", "AssertionRejectedError"}
    count, flagged = stored_count(services, key_id)
    assert count in (0, 5)
    assert flagged  # the same counter twice is what a copied key looks like


def test_a_counting_key_moves_forward_and_never_back(services: Services) -> None:
    key = SoftKey()
    key_id = with_key(services, key)
    key.sign_count = 10
    services.security_key_sign_in.verify_passwordless(
        key.get(services.security_key_sign_in.passwordless_options(INFO), ORIGIN), INFO)
    assert stored_count(services, key_id) == (11, False)
    late = key.get(services.security_key_sign_in.passwordless_options(INFO), ORIGIN)  # 12
    key.sign_count = 12
    services.security_key_sign_in.verify_passwordless(
        key.get(services.security_key_sign_in.passwordless_options(INFO), ORIGIN), INFO)  # 13
    with pytest.raises(Exception, match="copied"):
        services.security_key_sign_in.verify_passwordless(late, INFO)  # 12 after 13
    assert stored_count(services, key_id) == (13, True)
