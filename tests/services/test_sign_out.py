"""sign_out_everywhere: the shared "end every way in" used by reset, change and "not me"."""

from __future__ import annotations

import pytest

from secondlock.core.errors import NotAuthenticatedError
from secondlock.core.request_info import RequestInfo
from secondlock.services import Services
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.services.trusted_devices import remember_device
from secondlock.storage.repositories import TrustedDevices
from tests.conftest import PASSWORD

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")


def signed_in(services: Services, email: str) -> str:
    session = services.login.login(email, PASSWORD, INFO).session
    assert session is not None
    return session.token


def test_it_ends_every_session_and_device_but_the_one_kept(services: Services) -> None:
    created = services.accounts.sign_up("ada@example.com", PASSWORD, INFO, send_welcome=False)
    services.accounts.sign_up("bob@example.com", PASSWORD, INFO, send_welcome=False)
    kept, other = signed_in(services, "ada@example.com"), signed_in(services, "ada@example.com")
    bystander = signed_in(services, "bob@example.com")
    keep_id = services.sessions.authenticate(kept).id
    db, now = services.rt.db, services.rt.clock.now()
    with db.write() as s:
        remember_device(s, account_id=created.id, info=INFO, now=now, days=30)
        s.commit()
    with db.write() as s:
        ended = sign_out_everywhere(s, created.id, now=now, keep_session_id=keep_id)
        s.commit()
    assert (ended.sessions, ended.devices) == (1, 1)
    assert ended.detail == "sessions=1 devices=1 shop_tokens=0"
    assert services.sessions.authenticate(kept).id == keep_id
    services.sessions.authenticate(bystander)  # another account is untouched
    with pytest.raises(NotAuthenticatedError):
        services.sessions.authenticate(other)
    with db.read() as s:
        assert TrustedDevices(s).for_account(created.id, now) == []
    with db.write() as s:
        assert sign_out_everywhere(s, created.id, now=now).sessions == 1  # the kept one too
        s.commit()
