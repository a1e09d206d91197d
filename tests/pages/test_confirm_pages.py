"""Confirm it's you (/account/confirm): sensitive changes after an old sign-in."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from tests.conftest import PASSWORD
from tests.pages.helpers import audit, csrf_of, enroll_app, page_signup, start_enrollment, submit

EMAIL = "ada@example.com"


@pytest.mark.parametrize(("action", "next_path"), [
    ("/account/security/totp", "/account/security/totp"),
    ("/account/security/turn-off", "/account/security/turn-off"),
    ("/account/security/recovery-codes", "/account/security"),
])
def test_old_sign_in_confirms_with_a_code_first(client: TestClient, clock: FixedClock,
                                                action: str, next_path: str) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    clock.advance(minutes=11)
    response = submit(client, "/account/security", action, {})
    assert response.status_code == 303
    assert response.headers["location"] == "/account/confirm?next=" + next_path.replace(
        "/", "%2F")
    page = client.get(response.headers["location"])
    assert "Confirm it's you" in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert 'type="password"' not in page.text
    assert "Use a recovery code instead" in page.text
    assert audit(page.text).unlabelled() == []
    wrong = client.post("/account/confirm", data={
        "next": next_path, "method": "totp", "code": "000000",
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert wrong.status_code == 401
    assert "every 30 seconds" in wrong.text
    done = client.post("/account/confirm", data={
        "next": next_path, "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.headers["location"] == next_path + "?notice=confirmed"
    assert submit(client, "/account/security", action, {}).status_code in (200, 303)
    assert "/account/confirm" not in submit(client, "/account/security", action,
                                            {}).headers.get("location", "")


def test_old_sign_in_without_2fa_confirms_with_the_password(client: TestClient,
                                                            clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    clock.advance(minutes=11)
    response = start_enrollment(client)
    assert response.headers["location"] == "/account/confirm?next=%2Faccount%2Fsecurity%2Ftotp"
    page = client.get(response.headers["location"])
    assert 'type="password"' in page.text
    assert 'autocomplete="current-password"' in page.text
    wrong = client.post("/account/confirm", data={
        "next": "/account/security/totp", "password": "not the password at all",
        "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert "not the password at all" not in wrong.text
    done = client.post("/account/confirm", data={
        "next": "/account/security/totp", "password": PASSWORD,
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.headers["location"] == "/account/security/totp?notice=confirmed"
    intro = client.get(done.headers["location"])
    assert "You can make the change now" in intro.text
    assert ">Start</button>" in intro.text
    assert submit(client, "/account/security/totp", "/account/security/totp",
                  {}).status_code == 200


@pytest.mark.parametrize("bad_next", ["https://evil.example/", "//evil.example",
                                      "/account/../login", "/accountant", "/login",
                                      "/account/security?x=1", "javascript:alert(1)"])
def test_confirm_only_returns_to_account_pages(client: TestClient, bad_next: str) -> None:
    page_signup(client, EMAIL, PASSWORD)
    page = client.get("/account/confirm", params={"next": bad_next})
    assert bad_next not in page.text
    done = client.post("/account/confirm", data={
        "next": bad_next, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert done.headers["location"] == "/account/security?notice=confirmed"


def test_confirming_gives_the_browser_a_new_session_token(client: TestClient,
                                                          clock: FixedClock) -> None:
    """SES-3: after a fresh confirmation the old cookie value no longer opens anything."""
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    clock.advance(minutes=11)
    before = client.cookies["secondlock_session"]
    page = client.get("/account/confirm?next=%2Faccount%2Fsecurity")
    done = client.post("/account/confirm", data={
        "next": "/account/security", "method": "totp",
        "code": code_at(enrolled.secret, clock.now()), "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert done.status_code == 303
    after = client.cookies["secondlock_session"]
    assert after != before
    assert client.get("/account/security").status_code == 200  # the same session goes on
    client.cookies.clear()
    client.cookies.set("secondlock_session", before)
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login"
