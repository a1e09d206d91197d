"""Honest amr/acr per sign-in method, and step-up when a shop asks for more (checklist
OIDC-3, TD-1): max_age, prompt=login and acr_values send the shopper through "confirm it's
you" and back; an account with nothing strong enough gets the OIDC error."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.oidc.conftest import Provider, Shopper, csrf_of, refresh_target
from tests.oidc.flow import code_from, redeem, sign_in, start, verify_id_token

MFA = "urn:secondlock:mfa"


def test_password_only_sign_in_claims_pwd(provider: Provider) -> None:
    _, claims = sign_in(provider, provider.register(), provider.password_only())
    assert (claims["amr"], claims["acr"]) == (["pwd"], "urn:secondlock:pwd")


def test_authenticator_app_sign_in_claims_otp_and_mfa(provider: Provider) -> None:
    _, claims = sign_in(provider, provider.register(), provider.with_totp())
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], MFA)


def test_recovery_code_sign_in_claims_mfa(provider: Provider) -> None:
    shopper = provider.with_totp()
    token = provider.login_with("recovery_code", shopper.email, shopper.recovery_codes[0])
    _, claims = sign_in(provider, provider.register(), Shopper(shopper.email, token))
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], MFA)


def remembered(provider: Provider) -> Shopper:
    shopper = provider.with_totp()
    assert shopper.secret is not None
    provider.login_with("totp", shopper.email, shopper.secret, remember=True)
    device = provider.last_device_token
    assert device
    token = provider.login_with("totp", shopper.email, shopper.secret, device_token=device)
    return Shopper(shopper.email, token, shopper.secret, shopper.recovery_codes)


def test_remembered_device_sign_in_never_claims_mfa(provider: Provider) -> None:
    _, claims = sign_in(provider, provider.register(), remembered(provider))
    assert (claims["amr"], claims["acr"]) == (["pwd"], "urn:secondlock:pwd")


def confirm_with_code(provider: Provider, shopper: Shopper, location: str) -> str:
    """Follow the step-up page: type a fresh app code; returns the redirect to the shop."""
    assert location.startswith("/oidc/confirm?"), location
    with provider.browser(shopper) as browser:
        page = browser.get(location)
        assert page.status_code == 200
        provider.clock.advance(seconds=30)
        request = parse_qs(urlsplit(location).query, keep_blank_values=True)
        done = browser.post("/oidc/confirm", data={
            "csrf_token": csrf_of(page.text), "method": "totp",
            "code": provider.totp_code(shopper),
            "request": urlsplit(location).query})
        assert done.status_code == 200, done.text
        assert request["client_id"]
        back = browser.get(refresh_target(done.text))
    assert back.status_code == 302, back.text
    location = back.headers["location"]
    return str(location)


def step_up(provider: Provider, shopper: Shopper, **params: str) -> dict[str, Any]:
    registered = provider.register()
    auth = start(provider, registered, **params)
    with provider.browser(shopper) as browser:
        first = browser.get(auth.url)
    assert first.status_code == 303, first.text
    location = confirm_with_code(provider, shopper, first.headers["location"])
    token = redeem(provider, auth, location)
    return verify_id_token(provider, registered, token["id_token"], auth.nonce)


def test_acr_values_mfa_steps_a_remembered_device_up(provider: Provider) -> None:
    shopper = remembered(provider)
    claims = step_up(provider, shopper, acr_values=MFA)
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], MFA)


def test_max_age_forces_a_fresh_sign_in_with_newer_auth_time(provider: Provider) -> None:
    shopper = provider.with_totp()
    _, before = sign_in(provider, provider.register(), shopper)
    provider.clock.advance(seconds=120)
    after = step_up(provider, shopper, max_age="60")
    assert after["auth_time"] > before["auth_time"]
    assert after["acr"] == MFA


def test_within_max_age_no_step_up_is_needed(provider: Provider) -> None:
    _, claims = sign_in(provider, provider.register(), provider.with_totp(), max_age="600")
    assert claims["acr"] == MFA


def test_prompt_login_forces_a_fresh_sign_in(provider: Provider) -> None:
    shopper = provider.with_totp()
    provider.clock.advance(seconds=5)
    claims = step_up(provider, shopper, prompt="login")
    assert claims["auth_time"] == int(provider.clock.now().timestamp())


def test_account_without_second_factor_gets_unmet_authentication_requirements(
        provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered, acr_values=MFA)
    with provider.browser(provider.password_only()) as browser:
        answer = browser.get(auth.url)
    assert answer.status_code == 302
    assert code_from(answer.headers["location"])["error"] == [
        "unmet_authentication_requirements"]


def test_phishing_resistant_without_a_security_key_is_an_error(provider: Provider) -> None:
    registered = provider.register()
    auth = start(provider, registered, acr_values="urn:secondlock:phishing-resistant")
    with provider.browser(provider.with_totp()) as browser:
        answer = browser.get(auth.url)
    assert code_from(answer.headers["location"])["error"] == [
        "unmet_authentication_requirements"]


@pytest.mark.parametrize(("params", "error"), [
    ({"prompt": "none"}, "login_required"),
    ({"prompt": "none", "acr_values": MFA}, "login_required"),
])
def test_prompt_none_without_a_session_answers_login_required(
        provider: Provider, params: dict[str, str], error: str) -> None:
    auth = start(provider, provider.register(), **params)
    with provider.browser() as browser:
        answer = browser.get(auth.url)
    assert code_from(answer.headers["location"])["error"] == [error]


def test_prompt_none_needing_step_up_answers_interaction_required(provider: Provider) -> None:
    auth = start(provider, provider.register(), prompt="none", acr_values=MFA)
    with provider.browser(remembered(provider)) as browser:
        answer = browser.get(auth.url)
    assert code_from(answer.headers["location"])["error"] == ["interaction_required"]


def test_forged_freshness_marker_does_not_skip_the_step_up(provider: Provider) -> None:
    shopper = provider.with_totp()
    auth = start(provider, provider.register(), prompt="login")
    with provider.browser(shopper) as browser:
        answer = browser.get(auth.url + "&sl_fresh=1.0123456789abcdef0123456789abcdef")
    assert answer.headers["location"].startswith("/oidc/confirm?")


def test_not_signed_in_goes_to_sign_in_and_comes_back(provider: Provider) -> None:
    shopper = provider.password_only()
    registered = provider.register()
    auth = start(provider, registered)
    with provider.browser() as browser:
        first = browser.get(auth.url)
        assert first.headers["location"] == "/login"
        page = browser.get("/login")
        signed_in = browser.post("/login", data={
            "csrf_token": csrf_of(page.text), "email": shopper.email,
            "password": "plum lantern orbit quay 73"})
        assert signed_in.headers["location"].startswith("/oidc/authorize/continue?")
        hop = browser.get(signed_in.headers["location"])
        back = browser.get(refresh_target(hop.text))
    token = redeem(provider, auth, back.headers["location"])
    claims = verify_id_token(provider, registered, token["id_token"], auth.nonce)
    assert claims["amr"] == ["pwd"]


def test_cancelling_the_step_up_returns_access_denied(provider: Provider) -> None:
    shopper = remembered(provider)
    auth = start(provider, provider.register(), acr_values=MFA)
    with provider.browser(shopper) as browser:
        first = browser.get(auth.url)
        page = browser.get(first.headers["location"])
        cancel = re.search(r'href="(/oidc/cancel\?[^"]+)"', page.text)
        assert cancel
        back = browser.get(unescape(cancel.group(1)))
    assert back.status_code == 302
    assert code_from(back.headers["location"])["error"] == ["access_denied"]
    assert code_from(back.headers["location"])["state"] == [auth.state]
