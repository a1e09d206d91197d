"""The security page, adding an authenticator app, recovery codes and "confirm it's you"."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from tests.conftest import PASSWORD
from tests.pages.helpers import (
    APP_ID,
    CODE_ITEM,
    KEY,
    audit,
    csrf_of,
    enroll_app,
    page_login,
    page_signup,
    start_enrollment,
    submit,
)

EMAIL = "ada@example.com"


def test_enrollment_page_shows_qr_key_and_labelled_fields(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    page = start_enrollment(client)
    assert page.status_code == 200
    html = page.text
    qr = re.search(r'<div class="qr" id="totp-qr"><svg[^>]*>.*?</svg></div>', html, re.S)
    assert qr
    assert "<path" in qr.group(0)
    key = KEY.search(html)
    assert key
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", key.group(1))
    for app in ("Google Authenticator", "Microsoft Authenticator", "Aegis", "2FAS",
                "1Password"):
        assert app in html
    found = audit(html)
    assert found.unlabelled() == []
    assert found.inline_styles == 0
    assert found.inline_scripts == 0
    assert 'inputmode="numeric"' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'name="name"' in html
    assert "iPhone" in html
    assert page.headers["cache-control"] == "no-store"


def test_wrong_code_page_never_shows_the_secret_again(client: TestClient,
                                                      clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    page = start_enrollment(client)
    key, app_id = KEY.search(page.text), APP_ID.search(page.text)
    assert key
    assert app_id
    secret = key.group(1).replace(" ", "")
    wrong = client.post("/account/security/totp/confirm", data={
        "authenticator_id": app_id.group(1), "name": "Pixel", "code": "000000",
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert "every 30 seconds" in wrong.text
    assert "automatic" in wrong.text
    assert secret not in wrong.text
    assert key.group(1) not in wrong.text
    assert "totp-qr" not in wrong.text
    assert "<svg" not in wrong.text
    assert f'value="{app_id.group(1)}"' in wrong.text
    assert 'value="Pixel"' in wrong.text
    right = client.post("/account/security/totp/confirm", data={
        "authenticator_id": app_id.group(1), "name": "Pixel",
        "code": code_at(secret, clock.now()), "csrf_token": csrf_of(wrong.text)},
        follow_redirects=False)
    assert right.status_code == 200
    assert len(CODE_ITEM.findall(right.text)) == 10
    assert "Pixel" in client.get("/account/security").text


def test_recovery_codes_are_shown_once(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    html = enrolled.response.text
    assert len(set(enrolled.codes)) == 10
    assert "We show them only now" in html
    assert "Two-factor authentication is on" in html
    href = re.search(r'href="(data:text/plain;charset=utf-8,[^"]+)" '
                     r'download="secondlock-recovery-codes.txt"', html)
    assert href
    assert all(code in unquote(href.group(1)) for code in enrolled.codes)
    assert "data-print hidden" in html  # shown by the script only, so never a dead button
    assert 'href="/account/security/test-setup">I saved them<' in html
    # Nowhere else, and the confirm cannot be replayed to see them again.
    for path in ("/account", "/account/security", "/account/security/test-setup",
                 "/account/sessions"):
        text = client.get(path).text
        assert not any(code in text for code in enrolled.codes), path
    again = client.post("/account/security/totp/confirm", data={
        "authenticator_id": enrolled.app_id, "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(client.get("/account/security").text)}, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/account/security?notice=setup-expired"


def test_test_setup_signs_out_towards_the_second_step(client: TestClient,
                                                      clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    page = client.get("/account/security/test-setup")
    assert "Test your setup" in page.text
    assert "Sign out and test" in page.text
    out = submit(client, "/account/security/test-setup", "/logout", {"then": "test-setup"})
    assert out.headers["location"] == "/login?notice=test-setup"
    assert "Now test your setup" in client.get("/login?notice=test-setup").text
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    verify = client.get("/login/verify")
    done = client.post("/login/verify", data={
        "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(verify.text)}, follow_redirects=False)
    assert done.headers["location"] == "/account?notice=setup-works"


def test_security_page_with_two_factor_on(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock, name="iPhone")
    html = client.get("/account/security").text
    assert re.search(r"Two-factor authentication: <span[^>]*>on</span>", html)
    assert "iPhone" in html
    assert "10 of 10 left" in html
    assert "Turn off two-factor authentication" in html
    assert "Safe" in html
    assert "Less safe" in html
    for path in ("/account/security/apps", "/account/security/keys",
                 "/account/security/sms-email", "/account/security/recovery-codes"):
        assert f'href="{path}"' in html
    apps = client.get("/account/security/apps").text
    assert "iPhone" in apps
    assert "Added" in apps
    assert "Last used" in apps
    assert "Make new codes" in client.get("/account/security/recovery-codes").text
    assert "safest" in client.get("/account/security/keys").text
    assert "SIM swapping" in client.get("/account/security/sms-email").text
    for page in (html, apps):
        found = audit(page)
        assert found.unlabelled() == []
        assert found.inline_styles == 0


def test_rename_and_unknown_ids(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    done = submit(client, "/account/security", "/account/security/apps/rename",
                  {"authenticator_id": enrolled.app_id, "name": "  Work   phone "})
    assert done.headers["location"] == "/account/security?notice=app-renamed"
    assert "Work phone" in client.get("/account/security").text
    for action in ("rename", "remove"):
        gone = submit(client, "/account/security", f"/account/security/apps/{action}",
                      {"authenticator_id": "../../etc", "name": "x"})
        assert gone.headers["location"] == "/account/security?notice=app-gone"
        missing = submit(client, "/account/security", f"/account/security/apps/{action}",
                         {"authenticator_id": "0000", "name": "x"})
        assert missing.headers["location"] == "/account/security?notice=app-gone"


def test_second_app_then_remove_one_then_the_last(client: TestClient,
                                                  clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    first = enroll_app(client, clock, name="iPhone")
    second = enroll_app(client, clock, name="iPad")
    assert second.response.status_code == 303
    assert second.codes == []
    assert second.response.headers["location"] == "/account/security?notice=app-added"
    html = client.get("/account/security").text
    assert "iPhone" in html
    assert "iPad" in html
    removed = submit(client, "/account/security", "/account/security/apps/remove",
                     {"authenticator_id": second.app_id, "confirmed": "yes"})
    assert removed.headers["location"] == "/account/security?notice=app-removed"
    last = submit(client, "/account/security", "/account/security/apps/remove",
                  {"authenticator_id": first.app_id, "confirmed": "yes"})
    assert last.headers["location"] == "/account/security?notice=mfa-off"
    html = client.get(last.headers["location"]).text
    assert re.search(r"Two-factor authentication: <span[^>]*>off</span>", html)
    assert "Signing in needs only your password now" in html


def test_turn_off_asks_first(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    page = client.get("/account/security/turn-off")
    assert "Turn off two-factor authentication?" in page.text
    assert "Keep it on" in page.text
    done = submit(client, "/account/security/turn-off", "/account/security/turn-off", {})
    assert done.headers["location"] == "/account/security?notice=mfa-off"
    assert client.get("/account/security/turn-off", follow_redirects=False).headers[
        "location"] == "/account/security"
    client.cookies.clear()
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/account"


def test_new_codes_replace_the_old_ones(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    fresh = submit(client, "/account/security", "/account/security/recovery-codes", {})
    assert fresh.status_code == 200
    codes = CODE_ITEM.findall(fresh.text)
    assert len(codes) == 10
    assert not set(codes) & set(enrolled.codes)
    assert 'href="/account/security?notice=codes-saved">I saved them<' in fresh.text
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    verify = client.get("/login/verify?method=recovery_code")
    old = client.post("/login/verify", data={"method": "recovery_code",
                                             "code": enrolled.codes[0],
                                             "csrf_token": csrf_of(verify.text)})
    assert old.status_code == 401
    new = client.post("/login/verify", data={"method": "recovery_code", "code": codes[0],
                                             "csrf_token": csrf_of(verify.text)},
                      follow_redirects=False)
    assert new.headers["location"] == "/account?notice=recovery-code-used"


@pytest.mark.parametrize("action", [
    "/account/security/totp", "/account/security/totp/confirm",
    "/account/security/apps/rename", "/account/security/apps/remove",
    "/account/security/turn-off", "/account/security/recovery-codes", "/account/confirm",
])
def test_every_form_needs_the_csrf_token(client: TestClient, action: str) -> None:
    page_signup(client, EMAIL, PASSWORD)
    response = client.post(action, data={"authenticator_id": "x", "code": "123456"},
                           follow_redirects=False)
    assert response.status_code == 403
    assert "could not be accepted" in response.text


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/account/security"), ("GET", "/account/security/totp"),
    ("GET", "/account/security/test-setup"), ("GET", "/account/security/turn-off"),
    ("GET", "/account/confirm"), ("POST", "/account/security/totp"),
    ("POST", "/account/security/recovery-codes"), ("POST", "/account/confirm"),
])
def test_signed_out_visitors_go_to_sign_in(client: TestClient, method: str,
                                           path: str) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_regenerating_without_2fa_is_a_friendly_page(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    response = submit(client, "/account/security", "/account/security/recovery-codes", {})
    assert response.status_code == 409
    assert "Turn on two-factor authentication first" in \
        response.text
