"""Sessions opened or confirmed with a key record how (RFC 8176 amr), at the service level."""

from __future__ import annotations

from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services import Services
from tests.conftest import PASSWORD
from tests.softkey import SoftKey

INFO = RequestInfo(ip="198.51.100.7", user_agent="pytest")
ORIGIN = "http://localhost:8000"


def signed_in(services: Services, email: str) -> SessionView:
    result = services.login.login(email, PASSWORD, INFO)
    assert result.session is not None
    return services.sessions.authenticate(result.session.token)


def with_key(services: Services, key: SoftKey, email: str = "ada@example.com") -> SessionView:
    services.accounts.sign_up(email, PASSWORD, INFO, send_welcome=False)
    view = signed_in(services, email)
    options = services.security_keys.registration_options(view, None)
    services.security_keys.register(view, key.create(options, ORIGIN), None, INFO)
    return view


def amr_of(services: Services, token: str) -> str:
    return services.sessions.authenticate(token).amr


def test_the_session_that_adds_the_first_key_becomes_two_factor(services: Services) -> None:
    services.accounts.sign_up("ada@example.com", PASSWORD, INFO, send_welcome=False)
    result = services.login.login("ada@example.com", PASSWORD, INFO)
    assert result.session is not None
    view = services.sessions.authenticate(result.session.token)
    options = services.security_keys.registration_options(view, None)
    done = services.security_keys.register(view, SoftKey().create(options, ORIGIN), None, INFO)
    assert done.mfa_turned_on
    assert done.name == "Security key"
    assert amr_of(services, result.session.token) == "pwd hwk mfa"


def test_second_step_with_a_security_key_is_pwd_hwk(services: Services) -> None:
    key = SoftKey()
    with_key(services, key)
    pending = services.login.login("ada@example.com", PASSWORD, INFO)
    assert pending.mfa_token is not None
    options = services.security_key_sign_in.second_step_options(pending.mfa_token)
    result = services.security_key_sign_in.verify_second_step(
        pending.mfa_token, key.get(options, ORIGIN, uv=False), INFO)
    assert result.session is not None
    assert amr_of(services, result.session.token) == "pwd hwk mfa"


def test_passwordless_with_a_synced_passkey_is_swk_user(services: Services) -> None:
    key = SoftKey(backup_eligible=True, backup_state=True, counting=False)
    with_key(services, key)
    options = services.security_key_sign_in.passwordless_options(INFO)
    result = services.security_key_sign_in.verify_passwordless(key.get(options, ORIGIN), INFO)
    assert result.session is not None
    assert amr_of(services, result.session.token) == "swk user mfa"
