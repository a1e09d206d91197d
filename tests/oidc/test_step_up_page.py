"""The shop's "confirm it's you" page asks for what the account has: it shares the account
page's form, so an account with a security key and no app types a recovery code."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.conftest import PASSWORD
from tests.oidc.conftest import Provider, Shopper, csrf_of, refresh_target
from tests.oidc.flow import start
from tests.softkey import SoftKey


def key_only(provider: Provider, email: str) -> Shopper:
    """An account whose only second factor is a security key (and its recovery codes)."""
    created = provider.api.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    token = provider.api.post("/api/v1/login", json={"email": email, "password": PASSWORD}
                              ).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    key = SoftKey()
    options = provider.api.post("/api/v1/me/authenticators/webauthn/options", json={},
                                headers=auth)
    added = provider.api.post("/api/v1/me/authenticators/webauthn", json={
        "credential": key.create(options.json(), provider.url)}, headers=auth)
    assert added.status_code == 201, added.text
    codes = tuple(added.json()["recovery_codes"])
    session = provider.login_with("recovery_code", email, codes[0])
    return Shopper(email, session, None, codes[1:])


def test_a_key_only_account_steps_up_with_a_recovery_code(provider: Provider) -> None:
    shopper = key_only(provider, "kira@example.com")
    provider.clock.advance(seconds=120)
    started = start(provider, provider.register(), max_age="60")
    with provider.browser(shopper) as browser:
        location = browser.get(started.url).headers["location"]
        assert location.startswith("/oidc/confirm?")
        page = browser.get(location)
        assert page.status_code == 200, page.text
        assert 'value="recovery_code"' in page.text
        assert "Recovery code" in page.text
        assert "Use your authenticator app instead" not in page.text
        done = browser.post("/oidc/confirm", data={
            "csrf_token": csrf_of(page.text), "method": "recovery_code",
            "code": shopper.recovery_codes[0], "request": urlsplit(location).query})
        assert done.status_code == 200, done.text
        assert browser.get(refresh_target(done.text)).status_code == 302
