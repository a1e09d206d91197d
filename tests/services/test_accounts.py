from __future__ import annotations

import re

import pytest

from secondlock.core.clock import FixedClock
from secondlock.core.errors import InvalidTokenError
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.orm import Account
from tests.conftest import PASSWORD

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")


def link_token(outbox: OutboxMailer) -> str:
    match = re.search(r"verify-email\?token=([\w-]+)", outbox.latest()[0].message.text)
    assert match
    return match.group(1)


def test_confirmation_link_verifies_the_email_once(services: Services,
                                                   outbox: OutboxMailer) -> None:
    created = services.accounts.sign_up("ada@example.com", PASSWORD, INFO)
    token = link_token(outbox)
    assert services.accounts.verify_email(token, INFO) == created.id
    with services.rt.db.read() as s:
        account = s.get(Account, created.id)
        assert account is not None
        assert account.email_verified_at is not None
    with pytest.raises(InvalidTokenError):
        services.accounts.verify_email(token, INFO)


def test_confirmation_link_expires_after_48_hours(services: Services, outbox: OutboxMailer,
                                                  clock: FixedClock) -> None:
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO)
    clock.advance(hours=48, seconds=1)
    with pytest.raises(InvalidTokenError):
        services.accounts.verify_email(link_token(outbox), INFO)


def test_database_holds_no_password_token_or_link(services: Services,
                                                  outbox: OutboxMailer) -> None:
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO)
    session = services.login.login("ada@example.com", PASSWORD, INFO).session
    assert session is not None
    if not services.rt.db.is_sqlite:
        pytest.skip("file check is for the SQLite file")
    path = services.rt.db.url.database
    assert path
    services.rt.db.dispose()  # checkpoint the WAL into the main file
    with open(path, "rb") as handle:
        raw = handle.read()
    for secret in (PASSWORD, session.token, link_token(outbox)):
        assert secret.encode() not in raw
