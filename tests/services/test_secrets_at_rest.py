"""A copy of the database alone yields no code, recovery code, token or password."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.core.totp import code_at
from secondlock.services import Services
from secondlock.storage.orm import ActivityEvent
from tests.conftest import PASSWORD

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")


def test_database_file_holds_no_secret_in_the_clear(services: Services,
                                                    clock: FixedClock) -> None:
    if not services.rt.db.is_sqlite:
        pytest.skip("reads the SQLite file")
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO, send_welcome=False)
    session = services.login.login("ada@example.com", PASSWORD, INFO).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    started = services.authenticator_app.enroll(view, "phone", INFO)
    done = services.authenticators.confirm(view, started.id,
                                           code_at(started.secret, clock.now()), INFO)
    clock.advance(seconds=30)
    pending = services.login.login("ada@example.com", PASSWORD, INFO).mfa_token
    assert pending is not None
    with services.rt.db.read() as s:
        events = [e.event for e in s.scalars(select(ActivityEvent))]
    assert "mfa_enabled" in events

    path = services.rt.db.url.database
    assert path
    services.rt.db.dispose()  # checkpoint the WAL into the main file
    with open(path, "rb") as handle:
        raw = handle.read()
    raw_secret = base64.b32decode(started.secret + "=" * (-len(started.secret) % 8))
    needles = [started.secret.encode(), raw_secret, PASSWORD.encode(), session.token.encode(),
               pending.encode()]
    for code in done.recovery_codes:
        needles += [code.encode(), code.replace("-", "").encode()]
    for needle in needles:
        assert needle not in raw
