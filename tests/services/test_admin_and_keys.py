"""Operator actions and key rotation, at the service level."""

from __future__ import annotations

import pytest

from secondlock.core.clock import FixedClock
from secondlock.core.crypto import Keyring, derive_key, parse_keyring
from secondlock.core.errors import NotFoundError, RateLimitedError
from secondlock.core.request_info import CLI_REQUEST, RequestInfo
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.services.key_rotation import reencrypt_all
from secondlock.storage.orm import ActivityEvent, Authenticator
from tests.conftest import PASSWORD, TEST_SECRET

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")


def with_totp(services: Services, clock: FixedClock) -> tuple[str, str]:
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO, send_welcome=False)
    session = services.login.login("ada@example.com", PASSWORD, INFO).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    started = services.authenticator_app.enroll(view, "phone", INFO)
    services.authenticators.confirm(view, started.id, code_at(started.secret, clock.now()), INFO)
    clock.advance(seconds=30)
    return started.secret, started.id


def wrong_code(secret: str, clock: FixedClock) -> str:
    return "000000" if code_at(secret, clock.now()) != "000000" else "111111"


def test_show_reports_factors_and_never_secrets(services: Services, clock: FixedClock) -> None:
    secret, _ = with_totp(services, clock)
    report = services.admin.show("ADA@example.com")
    assert report.mfa_enabled_at is not None
    assert [(f.type, f.name, f.confirmed) for f in report.factors] == [("totp", "phone", True)]
    assert report.recovery_codes_remaining == 10
    assert secret not in repr(report)
    with pytest.raises(NotFoundError):
        services.admin.show("nobody@example.com")


def test_reset_2fa_removes_factors_ends_sessions_records_and_mails(
        services: Services, clock: FixedClock, outbox: OutboxMailer) -> None:
    with_totp(services, clock)
    session = services.login.login("ada@example.com", PASSWORD, INFO)
    assert session.status == "mfa_required"
    services.admin.reset_2fa("ada@example.com", reason="ID checked by phone, ticket 42",
                             operator="alice", info=CLI_REQUEST)
    result = services.login.login("ada@example.com", PASSWORD, INFO)
    assert result.status == "authenticated"
    assert services.admin.show("ada@example.com").factors == []
    with services.rt.db.read() as s:
        events = [e for e in s.query(ActivityEvent).filter_by(event="admin_reset_2fa")]
    assert len(events) == 1
    assert "ticket 42" in (events[0].detail or "")
    assert "operator=alice" in (events[0].detail or "")
    assert any(m.message.kind == "admin_reset_2fa" for m in outbox.latest())


def test_reset_2fa_needs_a_reason(services: Services, clock: FixedClock) -> None:
    with_totp(services, clock)
    with pytest.raises(ValueError, match="reason"):
        services.admin.reset_2fa("ada@example.com", reason=" ", operator="x", info=CLI_REQUEST)


def test_unlock_lifts_a_second_step_lock(services: Services, clock: FixedClock) -> None:
    secret, _ = with_totp(services, clock)
    wrong = wrong_code(secret, clock)
    for _ in range(10):
        token = services.login.login("ada@example.com", PASSWORD, INFO).mfa_token
        assert token is not None
        with pytest.raises(Exception):  # noqa: B017,PT011 - InvalidCodeError
            services.second_step.verify(token, "totp", wrong, INFO)
    token = services.login.login("ada@example.com", PASSWORD, INFO).mfa_token
    assert token is not None
    with pytest.raises(RateLimitedError):
        services.second_step.verify(token, "totp", code_at(secret, clock.now()), INFO)
    services.admin.unlock("ada@example.com", operator="alice", info=CLI_REQUEST)
    result = services.second_step.verify(token, "totp", code_at(secret, clock.now()), INFO)
    assert result.status == "authenticated"


def test_key_rotation_reseals_secrets_and_codes_keep_working(
        services: Services, clock: FixedClock) -> None:
    secret, authenticator_id = with_totp(services, clock)
    old_key = derive_key(TEST_SECRET.encode())
    new_key = parse_keyring("cm90YXRpb24tdGVzdC1rZXktMzItYnl0ZXMtbG9uZyE")[0]
    services.rt.keyring = Keyring([new_key, old_key])
    assert reencrypt_all(services.rt) == 1
    assert reencrypt_all(services.rt) == 0
    with services.rt.db.read() as s:
        row = s.get(Authenticator, authenticator_id)
        assert row is not None
        assert row.secret_key_id == services.rt.keyring.active_id
    services.rt.keyring = Keyring([new_key])  # the old key can go now
    token = services.login.login("ada@example.com", PASSWORD, INFO).mfa_token
    assert token is not None
    result = services.second_step.verify(token, "totp", code_at(secret, clock.now()), INFO)
    assert result.status == "authenticated"


def test_an_operator_sign_out_is_mailed_in_the_account_language(
        services: Services, outbox: OutboxMailer) -> None:
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO, send_welcome=False,
                              language="de")
    services.admin.sign_out("ada@example.com", reason="ticket 77", operator="alice",
                            info=CLI_REQUEST, require_new_password=True)
    [mail] = [m.message for m in outbox.latest() if m.message.kind == "admin_sign_out"]
    assert "der Support hat Sie überall abgemeldet" in mail.subject
    assert "Bei Ihrer nächsten Anmeldung wählen Sie ein neues Passwort." in mail.text
