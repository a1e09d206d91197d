"""Forgot password, change password and the forced change, through the HTML pages."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.storage.orm import Account
from tests.api.reset_helpers import NEW_PASSWORD, reset_mails, token_in, wait_for_reset_mail
from tests.conftest import PASSWORD
from tests.pages.helpers import audit, csrf_of, enroll_app, page_login, page_signup, submit

EMAIL = "ada@example.com"


def ask_for_link(client: TestClient, outbox: OutboxMailer, email: str = EMAIL) -> str:
    answer = submit(client, "/password-reset", "/password-reset", {"email": email})
    assert answer.status_code == 200
    _, token = token_in(wait_for_reset_mail(outbox, email))
    return token


def open_link(client: TestClient, token: str):  # type: ignore[no-untyped-def]
    return client.get(f"/password-reset/link?token={token}", follow_redirects=False)


def force_change(database: Database, email: str = EMAIL) -> None:
    with database.write() as s:
        s.execute(update(Account).where(Account.email == email)
                  .values(password_change_required=True))
        s.commit()


def test_the_sign_in_page_links_to_forgot_password(client: TestClient) -> None:
    page = client.get("/login")
    assert '<a href="/password-reset">Forgot your password?</a>' in page.text
    form = client.get("/password-reset")
    assert form.status_code == 200
    assert audit(form.text).unlabelled() == []
    assert "Send me a link" in form.text


def test_known_and_unknown_addresses_see_the_same_page(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    known = submit(client, "/password-reset", "/password-reset", {"email": EMAIL})
    unknown = submit(client, "/password-reset", "/password-reset",
                     {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = [(EMAIL, "X"), ("nobody@example.com", "X")]
    texts = []
    for response in (known, unknown):
        text = response.text
        for old, new in strip:
            text = text.replace(old, new)
        texts.append(text)
    assert texts[0] == texts[1]
    assert "Check your email" in known.text
    wait_for_reset_mail(outbox, EMAIL)
    assert [m.to for m in reset_mails(outbox)] == [EMAIL]


def test_too_many_requests_get_a_friendly_wait(client: TestClient) -> None:
    for _ in range(3):
        submit(client, "/password-reset", "/password-reset", {"email": EMAIL})
    refused = submit(client, "/password-reset", "/password-reset", {"email": EMAIL})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert "Wait 1 hour" in refused.text or "Wait 60 minutes" in refused.text


def test_the_whole_reset_in_pages_keeps_the_second_factor(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    other_device = client.cookies.get("secondlock_session")
    client.cookies.clear()
    token = ask_for_link(client, outbox)

    opened = open_link(client, token)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/password-reset/new"
    assert opened.headers.get_list("referrer-policy") == ["no-referrer"]
    assert client.cookies.get("secondlock_reset") == token

    form = client.get("/password-reset/new")
    assert form.status_code == 200
    assert token not in form.text  # the token left the URL and is not in the page either
    assert EMAIL in form.text
    assert 'autocomplete="new-password"' in form.text
    assert audit(form.text).unlabelled() == []
    assert audit(form.text).inline_scripts == 0

    weak = client.post("/password-reset/new", data={
        "new_password": "short", "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert weak.status_code == 422
    assert 'role="alert"' in weak.text
    assert 'value="short"' not in weak.text  # a password is never echoed

    done = client.post("/password-reset/new", data={
        "new_password": NEW_PASSWORD, "csrf_token": csrf_of(weak.text)},
        follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/password-reset/done"
    assert client.cookies.get("secondlock_reset") is None
    assert client.cookies.get("secondlock_session") is None  # AR-1: no session
    assert "Sign in with your new password" in client.get("/password-reset/done").text

    # The device that was signed in before is signed out.
    client.cookies.set("secondlock_session", other_device or "")
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login"
    client.cookies.clear()
    signed = page_login(client, EMAIL, NEW_PASSWORD)
    assert signed.headers["location"] == "/login/verify"  # the second factor is asked
    verify = client.get("/login/verify")
    finished = client.post("/login/verify", data={
        "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(verify.text)}, follow_redirects=False)
    assert finished.headers["location"] == "/account"


def test_broken_used_and_expired_links_get_friendly_pages(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer) -> None:
    bogus = open_link(client, "not-a-real-token")
    assert bogus.status_code == 400
    assert bogus.headers.get_list("referrer-policy") == ["no-referrer"]
    assert "Ask for a new link" in bogus.text
    assert client.get("/password-reset/link", follow_redirects=False).status_code == 400
    assert client.get("/password-reset/new", follow_redirects=False).status_code == 400

    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    token = ask_for_link(client, outbox)
    clock.advance(minutes=61)
    expired = open_link(client, token)
    assert expired.status_code == 410
    assert "expired or was already used" in expired.text
    assert "not-a-real-token" not in bogus.text


def test_a_used_link_cannot_set_the_password_again(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    token = ask_for_link(client, outbox)
    open_link(client, token)
    form = client.get("/password-reset/new")
    client.post("/password-reset/new", data={"new_password": NEW_PASSWORD,
                                             "csrf_token": csrf_of(form.text)})
    again = open_link(client, token)
    assert again.status_code == 410
    assert again.headers.get_list("referrer-policy") == ["no-referrer"]


def test_the_new_password_form_needs_the_csrf_token(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    token = ask_for_link(client, outbox)
    open_link(client, token)
    refused = client.post("/password-reset/new", data={"new_password": NEW_PASSWORD},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert page_login(client, EMAIL, PASSWORD).status_code == 303  # unchanged


def test_change_password_from_the_security_page(app: FastAPI, client: TestClient,
                                                outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    security = client.get("/account/security")
    assert re.search(r'<a class="button[^"]*" href="/account/password">Change password</a>',
                     security.text)
    with TestClient(app, base_url="http://localhost:8000") as laptop:
        assert page_login(laptop, EMAIL, PASSWORD).status_code == 303
        form = client.get("/account/password")
        assert audit(form.text).unlabelled() == []
        assert 'autocomplete="current-password"' in form.text
        wrong = client.post("/account/password", data={
            "current_password": "not the password at all", "new_password": NEW_PASSWORD,
            "csrf_token": csrf_of(form.text)}, follow_redirects=False)
        assert wrong.status_code == 403
        assert "not your current password" in wrong.text
        before = client.cookies.get("secondlock_session")
        done = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": NEW_PASSWORD,
            "csrf_token": csrf_of(wrong.text)}, follow_redirects=False)
        assert done.status_code == 303
        assert done.headers["location"] == "/account/security?notice=password-changed"
        after = client.cookies.get("secondlock_session")
        assert after  # this session got a new token
        assert after != before
        assert "Your password is changed" in client.get(done.headers["location"]).text
        assert laptop.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert any(m.message.kind == "password_changed" for m in outbox.latest())
    client.cookies.clear()
    client.cookies.set("secondlock_session", before or "")
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_an_old_sign_in_confirms_first(client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    clock.advance(minutes=11)
    client.get("/account")  # not idle
    clock.advance(minutes=1)
    asked = submit(client, "/account/password", "/account/password",
                   {"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert asked.status_code == 303
    assert asked.headers["location"] == "/account/confirm?next=%2Faccount%2Fpassword"


def test_a_forced_change_after_the_second_step_comes_before_everything(
        client: TestClient, clock: FixedClock, database: Database) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    client.cookies.clear()
    force_change(database)
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    verify = client.get("/login/verify")
    client.post("/login/verify", data={
        "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(verify.text)}, follow_redirects=False)
    for path in ("/account", "/account/security", "/account/sessions", "/"):
        moved = client.get(path, follow_redirects=False)
        assert moved.status_code == 303, path
        assert moved.headers["location"] == "/account/password", path
    page = client.get("/account/password")
    assert "Choose a new password" in page.text
    assert "current_password" not in page.text  # not asked again right after signing in
    done = submit(client, "/account/password", "/account/password",
                  {"new_password": NEW_PASSWORD})
    assert done.headers["location"] == "/account?notice=password-changed"
    assert client.get("/account").status_code == 200
    client.cookies.clear()
    assert page_login(client, EMAIL, NEW_PASSWORD).headers["location"] == "/login/verify"
