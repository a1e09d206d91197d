"""Every way in ends the same: a session with the right amr, a sign-in record, and a
"new sign-in" mail when (and only when) the device is one the account never used."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from secondlock.composition import read_through
from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from secondlock.services import Services
from secondlock.services.sign_in import LoginResult
from secondlock.storage.repositories import Activity
from tests.conftest import PASSWORD
from tests.softkey import SoftKey

EMAIL = "ada@example.com"
ORIGIN = "http://localhost:8000"
PHONE = "+12015550123"
KNOWN = RequestInfo(ip="198.51.100.7", user_agent=(
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"))
NEW = RequestInfo(ip="203.0.113.9", user_agent=(
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"))

SignIn = Callable[[RequestInfo], LoginResult]


@dataclass(frozen=True)
class WayIn:
    method: str
    amr: str
    setup: Callable[[Services, FixedClock, OutboxMailer], SignIn]


def six_digits(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match
    return match.group(1)


def signed_up(services: Services) -> str:
    """A new account signed in once from the known device; returns its session token."""
    services.accounts.sign_up(EMAIL, PASSWORD, KNOWN, send_welcome=False)
    result = services.login.login(EMAIL, PASSWORD, KNOWN)
    assert result.session is not None
    return result.session.token


def pending(services: Services, info: RequestInfo) -> str:
    result = services.login.login(EMAIL, PASSWORD, info)
    assert result.mfa_token is not None
    return result.mfa_token


def with_app(services: Services, clock: FixedClock) -> tuple[str, list[str]]:
    view = services.sessions.authenticate(signed_up(services))
    started = services.authenticator_app.enroll(view, "phone", KNOWN)
    done = services.authenticators.confirm(view, started.id, code_at(started.secret, clock.now()),
                                           KNOWN)
    clock.advance(seconds=60)
    return started.secret, done.recovery_codes


def password_only(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    signed_up(services)
    return lambda info: services.login.login(EMAIL, PASSWORD, info)


def remembered_device(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    secret, _ = with_app(services, clock)
    first = services.second_step.verify(pending(services, KNOWN), "totp",
                                        code_at(secret, clock.now()), KNOWN, remember=True)
    assert first.device_token is not None
    token = first.device_token
    return lambda info: services.login.login(EMAIL, PASSWORD, info, device_token=token)


def app_code(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    secret, _ = with_app(services, clock)
    return lambda info: services.second_step.verify(pending(services, info), "totp",
                                                    code_at(secret, clock.now()), info)


def recovery_code(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    _, codes = with_app(services, clock)
    return lambda info: services.second_step.verify(pending(services, info), "recovery_code",
                                                    codes[0], info)


def sms_code(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    gateway = OutboxSms(echo=False)
    services.rt.sms = gateway
    read_through(services.rt)
    view = services.sessions.authenticate(signed_up(services))
    started = services.sms_email_codes.enroll_sms(view, PHONE, None, KNOWN)
    services.authenticators.confirm(view, started.id, six_digits(gateway.latest()[0].body),
                                    KNOWN)
    clock.advance(seconds=60)

    def sign_in(info: RequestInfo) -> LoginResult:
        token = pending(services, info)
        services.sms_email_codes.send_login_code(token, "sms", info)
        return services.second_step.verify(token, "sms", six_digits(gateway.latest()[0].body),
                                           info)
    return sign_in


def email_code(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    view = services.sessions.authenticate(signed_up(services))
    started = services.sms_email_codes.enroll_email(view, None, None, KNOWN)
    services.authenticators.confirm(view, started.id, six_digits(outbox.latest()[0].message.text),
                                    KNOWN)
    clock.advance(seconds=60)

    def sign_in(info: RequestInfo) -> LoginResult:
        token = pending(services, info)
        services.sms_email_codes.send_login_code(token, "email", info)
        code = six_digits(outbox.latest()[0].message.text)
        outbox.messages.clear()
        return services.second_step.verify(token, "email", code, info)
    return sign_in


def registered_key(services: Services) -> SoftKey:
    view = services.sessions.authenticate(signed_up(services))
    key = SoftKey()
    options = services.security_keys.registration_options(view, None)
    services.security_keys.register(view, key.create(options, ORIGIN), None, KNOWN)
    return key


def security_key(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    key = registered_key(services)

    def sign_in(info: RequestInfo) -> LoginResult:
        token = pending(services, info)
        options = services.security_key_sign_in.second_step_options(token)
        return services.security_key_sign_in.verify_second_step(
            token, key.get(options, ORIGIN, uv=False), info)
    return sign_in


def passkey(services: Services, clock: FixedClock, outbox: OutboxMailer) -> SignIn:
    key = registered_key(services)

    def sign_in(info: RequestInfo) -> LoginResult:
        options = services.security_key_sign_in.passwordless_options(info)
        return services.security_key_sign_in.verify_passwordless(key.get(options, ORIGIN),
                                                                  info)
    return sign_in


WAYS_IN = {
    "password only": WayIn("pwd", "pwd", password_only),
    "remembered device": WayIn("trusted_device", "pwd", remembered_device),
    "authenticator app code": WayIn("totp", "pwd otp mfa", app_code),
    "recovery code": WayIn("recovery_code", "pwd rc mfa", recovery_code),
    "sms code": WayIn("sms", "pwd sms mfa", sms_code),
    "email code": WayIn("email", "pwd email", email_code),
    "security key after the password": WayIn("webauthn", "pwd hwk mfa", security_key),
    "passkey alone": WayIn("passkey", "hwk user mfa", passkey),
}


def new_sign_in_mails(outbox: OutboxMailer) -> list[str]:
    return [m.message.to for m in outbox.latest()
            if "new sign-in to your account" in m.message.subject]


@pytest.mark.parametrize("device", ["known", "new"])
@pytest.mark.parametrize("way_in", list(WAYS_IN))
def test_every_way_in_opens_a_session_records_it_and_reports_a_new_device(
        services: Services, clock: FixedClock, outbox: OutboxMailer, way_in: str,
        device: str) -> None:
    way = WAYS_IN[way_in]
    sign_in = way.setup(services, clock, outbox)
    outbox.messages.clear()
    info = NEW if device == "new" else KNOWN

    result = sign_in(info)

    assert result.status == "authenticated"
    assert result.session is not None
    view = services.sessions.authenticate(result.session.token)
    assert view.amr == way.amr
    with services.rt.db.read() as s:
        latest = Activity(s).last_sign_ins(view.account_id, limit=1)[0]
    assert (latest.event, latest.success, latest.method, latest.ip) == \
        ("login", True, way.method, info.ip)
    assert latest.detail == ("new_device" if device == "new" else None)
    assert new_sign_in_mails(outbox) == ([EMAIL] if device == "new" else [])
