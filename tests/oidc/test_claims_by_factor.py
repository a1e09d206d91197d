"""amr/acr in the ID token for the factors added after the provider: a text-message code, a
security key, a synced passkey without a password, and an email code (which never claims mfa).
Each shopper signs in through the JSON API exactly as a shop's own front end would."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from secondlock.notifications.outbox import OutboxMailer
from tests.api.oob_helpers import PHONE, last_mail_code, last_sms_code, sms_outbox
from tests.conftest import PASSWORD
from tests.oidc.conftest import Provider, Shopper, csrf_of, refresh_target
from tests.oidc.flow import redeem, sign_in, start, verify_id_token
from tests.softkey import SoftKey

MFA = "urn:secondlock:mfa"
PHISHING_RESISTANT = "urn:secondlock:phishing-resistant"


def account(provider: Provider, email: str) -> dict[str, str]:
    created = provider.api.post("/api/v1/accounts", json={"email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    token = provider.api.post("/api/v1/login", json={"email": email, "password": PASSWORD}
                              ).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def password_step(provider: Provider, email: str) -> str:
    started = provider.api.post("/api/v1/login", json={"email": email, "password": PASSWORD})
    assert started.json()["status"] == "mfa_required", started.text
    token: str = started.json()["mfa_token"]
    return token


def authenticated(response: Any) -> str:
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


def test_a_text_message_code_claims_sms_and_mfa(provider: Provider) -> None:
    gateway = sms_outbox(provider.app)
    email = "sam@example.com"
    auth = account(provider, email)
    added = provider.api.post("/api/v1/me/authenticators/sms", json={"phone": PHONE},
                              headers=auth)
    assert added.status_code == 201, added.text
    assert provider.api.post(f"/api/v1/me/authenticators/{added.json()['id']}/confirm",
                             json={"code": last_sms_code(gateway)}, headers=auth
                             ).status_code == 200
    provider.clock.advance(seconds=60)
    mfa_token = password_step(provider, email)
    assert provider.api.post("/api/v1/login/challenge", json={
        "mfa_token": mfa_token, "method": "sms"}).status_code == 202
    session = authenticated(provider.api.post("/api/v1/login/verify", json={
        "mfa_token": mfa_token, "method": "sms", "code": last_sms_code(gateway)}))
    _, claims = sign_in(provider, provider.register(), Shopper(email, session))
    assert (claims["amr"], claims["acr"]) == (["pwd", "sms", "mfa"], MFA)


def test_an_email_code_never_claims_mfa(provider: Provider, outbox: OutboxMailer) -> None:
    email = "emma@example.com"
    auth = account(provider, email)
    added = provider.api.post("/api/v1/me/authenticators/email", json={}, headers=auth)
    assert added.status_code == 201, added.text
    assert provider.api.post(f"/api/v1/me/authenticators/{added.json()['id']}/confirm",
                             json={"code": last_mail_code(outbox, email)},
                             headers=auth).status_code == 200
    provider.clock.advance(seconds=60)
    mfa_token = password_step(provider, email)
    assert provider.api.post("/api/v1/login/challenge", json={
        "mfa_token": mfa_token, "method": "email"}).status_code == 202
    session = authenticated(provider.api.post("/api/v1/login/verify", json={
        "mfa_token": mfa_token, "method": "email",
        "code": last_mail_code(outbox, email)}))
    _, claims = sign_in(provider, provider.register(), Shopper(email, session))
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp"], "urn:secondlock:pwd")


def add_key(provider: Provider, auth: dict[str, str], key: SoftKey) -> None:
    options = provider.api.post("/api/v1/me/authenticators/webauthn/options", json={},
                                headers=auth)
    assert options.status_code == 200, options.text
    added = provider.api.post("/api/v1/me/authenticators/webauthn", json={
        "credential": key.create(options.json(), provider.url)}, headers=auth)
    assert added.status_code == 201, added.text


def test_a_security_key_after_the_password_claims_hwk_and_phishing_resistance(
        provider: Provider) -> None:
    email = "kim@example.com"
    key = SoftKey()
    add_key(provider, account(provider, email), key)
    mfa_token = password_step(provider, email)
    options = provider.api.post("/api/v1/login/webauthn/options", json={"mfa_token": mfa_token})
    session = authenticated(provider.api.post("/api/v1/login/webauthn/verify", json={
        "mfa_token": mfa_token, "credential": key.get(options.json(), provider.url)}))
    _, claims = sign_in(provider, provider.register(), Shopper(email, session))
    assert (claims["amr"], claims["acr"]) == (["pwd", "hwk", "mfa"], PHISHING_RESISTANT)


def test_a_synced_passkey_without_a_password_claims_swk_and_user(provider: Provider) -> None:
    email = "pia@example.com"
    passkey = SoftKey(backup_eligible=True, backup_state=True)
    add_key(provider, account(provider, email), passkey)
    options = provider.api.post("/api/v1/login/webauthn/options", json={})
    session = authenticated(provider.api.post("/api/v1/login/webauthn/verify", json={
        "credential": passkey.get(options.json(), provider.url)}))
    _, claims = sign_in(provider, provider.register(), Shopper(email, session))
    assert (claims["amr"], claims["acr"]) == (["swk", "user", "mfa"], PHISHING_RESISTANT)


def test_phishing_resistance_asked_by_a_shop_is_earned_with_the_security_key(
        provider: Provider) -> None:
    """An account with an app and a key, signed in with the app (acr mfa): a shop that asks
    for phishing resistance gets the key-only step-up page, and then the stronger claims."""
    shopper = provider.with_totp("kai@example.com")
    key = SoftKey()
    auth = {"Authorization": f"Bearer {shopper.session_token}"}
    add_key(provider, auth, key)
    registered = provider.register()
    started = start(provider, registered, acr_values=PHISHING_RESISTANT)
    with provider.browser(shopper) as browser:
        first = browser.get(started.url)
        assert first.status_code == 303, first.text
        location = first.headers["location"]
        assert location.startswith("/oidc/confirm?")
        page = browser.get(location)
        assert 'action="/oidc/confirm/key"' in page.text
        assert 'name="code"' not in page.text  # an app code cannot earn this
        csrf = csrf_of(page.text)
        options = browser.post("/account/confirm/key/options", headers={"X-CSRF-Token": csrf})
        assert options.status_code == 200, options.text
        done = browser.post("/oidc/confirm/key", data={
            "csrf_token": csrf, "request": urlsplit(location).query,
            "credential": json.dumps(key.get(options.json(), provider.url))})
        assert done.status_code == 200, done.text
        back = browser.get(refresh_target(done.text))
    assert back.status_code == 302, back.text
    token = redeem(provider, started, back.headers["location"])
    claims = verify_id_token(provider, registered, token["id_token"], started.nonce)
    assert claims["acr"] == PHISHING_RESISTANT
    assert "hwk" in claims["amr"]
