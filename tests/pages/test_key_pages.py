"""The security-key pages through TestClient, with the software authenticator.

What the browser's JavaScript does (fetch options with the CSRF token, ask the key, submit
the form with the answer) is done here by hand; the browser tests do it in Chromium.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from tests.conftest import PASSWORD
from tests.pages.helpers import CODE_ITEM, audit, csrf_of, page_login, page_signup
from tests.softkey import SoftKey

ORIGIN = "http://localhost:8000"
EMAIL = "ada@example.com"
KEY_ID = re.compile(r'action="/account/security/keys/remove">\s*<input type="hidden" '
                    r'name="csrf_token" value="[^"]+">\s*<input type="hidden" '
                    r'name="authenticator_id" value="([^"]+)"')


def options(client: TestClient, url: str, page: str, body: dict[str, Any] | None = None
            ) -> httpx.Response:
    token = csrf_of(client.get(page).text)
    return client.post(url, json=body or {}, headers={"X-CSRF-Token": token})


def add_key(client: TestClient, key: SoftKey, name: str = "YubiKey") -> httpx.Response:
    got = options(client, "/account/security/keys/options", "/account/security", {"name": name})
    assert got.status_code == 200, got.text
    token = csrf_of(client.get("/account/security").text)
    return client.post("/account/security/keys", follow_redirects=False, data={
        "csrf_token": token, "name": name,
        "credential": json.dumps(key.create(got.json(), ORIGIN))})


def sign_out(client: TestClient) -> None:
    token = csrf_of(client.get("/account").text)
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)


def test_adding_the_first_key_shows_the_recovery_codes_then_lists_it(
        client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    security = client.get("/account/security/keys").text
    assert 'data-options-url="/account/security/keys/options"' in security
    assert audit(security).inline_scripts == 0
    done = add_key(client, SoftKey())
    assert done.status_code == 200
    assert len(CODE_ITEM.findall(done.text)) == 10
    assert "YubiKey" in client.get("/account/security").text
    page = client.get("/account/security/keys").text
    assert "YubiKey" in page
    assert "stays on this device" in page
    assert "Not used yet" in page
    assert audit(page).unlabelled() == []


def test_options_need_the_pages_csrf_token(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.get("/account/security")
    refused = client.post("/account/security/keys/options", json={},
                          headers={"X-CSRF-Token": "forged"})
    assert refused.status_code == 403
    assert client.post("/login/key/options", json={}).status_code == 403


def test_an_old_sign_in_is_sent_to_confirm_first(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    clock.advance(minutes=11)
    got = options(client, "/account/security/keys/options", "/account/security")
    assert got.status_code == 403
    assert got.json()["redirect"] == "/account/confirm?next=%2Faccount%2Fsecurity"


def test_second_step_and_passkey_sign_in_on_the_pages(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    key = SoftKey()
    add_key(client, key)
    sign_out(client)
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    verify_page = client.get("/login/verify").text
    assert "Use your security key" in verify_page
    assert 'href="/login/verify?method=recovery_code"' in verify_page
    got = options(client, "/login/key/options?step=second", "/login/verify")
    assert [c["id"] for c in got.json()["allowCredentials"]] == [key.id]
    token = csrf_of(verify_page)
    signed_in = client.post("/login/verify/key", follow_redirects=False, data={
        "csrf_token": token, "credential": json.dumps(key.get(got.json(), ORIGIN))})
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/account"
    assert client.get("/account").status_code == 200

    sign_out(client)
    login = client.get("/login").text
    assert 'autocomplete="username webauthn"' in login
    assert "Sign in with a passkey" in login
    got = options(client, "/login/key/options", "/login")
    assert got.json()["userVerification"] == "required"
    passkey = client.post("/login/passkey", follow_redirects=False, data={
        "csrf_token": csrf_of(login), "credential": json.dumps(key.get(got.json(), ORIGIN))})
    assert passkey.status_code == 303
    assert "ada@example.com" in client.get("/account").text


def test_a_refused_passkey_gets_a_friendly_page(client: TestClient) -> None:
    login = client.get("/login").text
    refused = client.post("/login/passkey", follow_redirects=False, data={
        "csrf_token": csrf_of(login), "credential": "{not json"})
    assert refused.status_code == 401
    assert "could not be verified" in refused.text or "not understood" in refused.text
    assert "Sign in with a passkey" in refused.text


def test_a_blocked_key_is_shown_as_blocked(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    key = SoftKey()
    add_key(client, key)
    for counter in (5, 5):  # the same counter twice: the second looks like a copy
        key.sign_count = counter - 1
        got = options(client, "/login/key/options", "/login")
        client.post("/login/passkey", follow_redirects=False, data={
            "csrf_token": csrf_of(client.get("/login").text),
            "credential": json.dumps(key.get(got.json(), ORIGIN))})
    page = client.get("/account/security/keys").text
    assert "Blocked since" in page
    assert "may have been copied" in page or "was copied" in page


def test_rename_and_remove_a_key_confirming_with_the_key(
        client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    key = SoftKey()
    add_key(client, key)
    page = client.get("/account/security/keys").text
    match = KEY_ID.search(page)
    assert match
    key_id = match.group(1)
    renamed = client.post("/account/security/keys/rename", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "authenticator_id": key_id, "name": "Blue key"})
    assert renamed.headers["location"] == "/account/security?notice=key-renamed"
    clock.advance(minutes=11)
    page = client.get("/account/security").text
    removing = client.post("/account/security/keys/remove", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "authenticator_id": key_id, "confirmed": "yes"})
    assert removing.headers["location"].startswith("/account/confirm")
    confirm = client.get(removing.headers["location"]).text
    assert "Use your security key" in confirm
    assert 'name="method" value="recovery_code"' in confirm  # no app: codes are the fallback
    assert "Use your authenticator app instead" not in confirm
    got = options(client, "/account/confirm/key/options", removing.headers["location"])
    confirmed = client.post("/account/confirm/key", follow_redirects=False, data={
        "csrf_token": csrf_of(confirm), "next": "/account/security",
        "credential": json.dumps(key.get(got.json(), ORIGIN))})
    assert confirmed.headers["location"] == "/account/security?notice=confirmed"
    page = client.get("/account/security").text
    removed = client.post("/account/security/keys/remove", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "authenticator_id": key_id, "confirmed": "yes"})
    assert removed.headers["location"] == "/account/security?notice=mfa-off"
