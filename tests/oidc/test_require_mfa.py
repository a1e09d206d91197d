"""A shop registered with ``--require-mfa`` never gets a one-factor sign-in (issue #16)."""

from __future__ import annotations

import re
from html import unescape

from tests.oidc.conftest import Provider, Registered, csrf_of
from tests.oidc.flow import redeem, start, verify_id_token
from tests.oidc.test_claims_and_step_up import confirm_with_code, remembered

KEY = re.compile(r'id="totp-key">([^<]+)<')
SAVED = re.compile(r'href="([^"]+)">I saved them')


def strict_shop(provider: Provider) -> Registered:
    made = provider.oidc.clients.add("Strict Shop", ["http://localhost:8999/callback"],
                                     first_party=True, require_mfa=True)
    return Registered(made.client_id, made.client_secret)


def test_a_password_only_session_is_stepped_up_before_the_shop_gets_it(
        provider: Provider) -> None:
    registered = strict_shop(provider)
    shopper = remembered(provider)  # signed in with the password on a remembered device
    auth = start(provider, registered)  # the shop asks for nothing in particular
    with provider.browser(shopper) as browser:
        first = browser.get(auth.url)
    assert first.status_code == 303, first.text
    location = confirm_with_code(provider, shopper, first.headers["location"])
    token = redeem(provider, auth, location)
    claims = verify_id_token(provider, registered, token["id_token"], auth.nonce)
    assert "mfa" in claims["amr"]


def test_an_account_without_a_factor_enrolls_first_then_returns_to_the_shop(
        provider: Provider) -> None:
    from secondlock.core.totp import code_at

    registered = strict_shop(provider)
    shopper = provider.password_only()
    auth = start(provider, registered)
    with provider.browser(shopper) as browser:
        first = browser.get(auth.url)
        assert first.status_code == 303, first.text
        assert first.headers["location"] == "/account/security/totp?notice=shop-requires-2fa"
        wizard = browser.get(first.headers["location"])
        assert "requires two-factor authentication" in wizard.text
        started = browser.post("/account/security/totp",
                               data={"csrf_token": csrf_of(wizard.text)})
        assert started.status_code == 200, started.text
        found = KEY.search(started.text)
        assert found
        secret = found.group(1).replace(" ", "")
        [authenticator_id] = re.findall(r'name="authenticator_id" value="([^"]+)"',
                                       started.text)
        codes_page = browser.post("/account/security/totp/confirm", data={
            "csrf_token": csrf_of(started.text), "authenticator_id": authenticator_id,
            "name": "Phone", "code": code_at(secret, provider.clock.now())})
        assert codes_page.status_code == 200, codes_page.text
        saved = SAVED.search(codes_page.text)
        assert saved
        back = unescape(saved.group(1))
        assert back.startswith("/oidc/authorize/continue?")  # back to the shop after the codes
        interstitial = browser.get(back)
        again = browser.get(unescape(re.findall(r'url=([^"]+)"', interstitial.text)[0]))
    # Confirming the app's code was the second factor of this session: straight to the shop.
    assert again.status_code == 302, again.text
    token = redeem(provider, auth, again.headers["location"])
    claims = verify_id_token(provider, registered, token["id_token"], auth.nonce)
    assert "mfa" in claims["amr"]
