"""Every page renders, is labelled, has no inline code, and protected pages need a session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.pages.helpers import (
    APP_ID,
    audit,
    csrf_of,
    enroll_app,
    page_login,
    page_signup,
    start_enrollment,
    submit,
)

PUBLIC = ["/", "/signup", "/login", "/verify-email?token=abc", "/not-me?token=abc", "/dev/outbox"]
PROTECTED = ["/account", "/account/security", "/account/sessions", "/account/activity",
             "/account/checkup"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_render(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "SecondLock" in response.text


@pytest.mark.parametrize("path", PROTECTED)
def test_protected_pages_redirect_to_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_stale_session_cookie_is_cleared_on_redirect(client: TestClient) -> None:
    client.cookies.set("secondlock_session", "not-a-real-session")
    response = client.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert 'secondlock_session=""' in response.headers["set-cookie"]


def _all_pages(client: TestClient) -> dict[str, str]:
    pages = {path: client.get(path).text for path in PUBLIC}
    assert page_signup(client, "ada@example.com", "plum lantern orbit quay 73"
                       ).status_code == 303
    for path in [*PROTECTED, "/", "/verify-email?token=abc", "/not-me?token=abc",
                 "/dev/outbox"]:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[f"signed-in {path}"] = response.text
    pages["404"] = client.get("/no/such/page").text
    return pages


def test_every_field_on_every_page_has_a_label(client: TestClient) -> None:
    for name, html in _all_pages(client).items():
        found = audit(html)
        assert found.unlabelled() == [], name


def _two_factor_pages(client: TestClient, clock: FixedClock) -> dict[str, str]:
    """The pages of adding an app, the codes, the settings with 2FA on, the second step."""
    page_signup(client, "ada@example.com", PASSWORD)
    pages = {"enroll": start_enrollment(client).text}
    retry = submit(client, "/account/security", "/account/security/totp", {})
    app_id = APP_ID.search(retry.text)
    assert app_id
    pages["enroll retry"] = client.post("/account/security/totp/confirm", data={
        "authenticator_id": app_id.group(1), "code": "000000",
        "csrf_token": csrf_of(retry.text)}).text
    pages["codes"] = enroll_app(client, clock).response.text
    for path in ["/account", "/account/security", "/account/security/totp",
                 "/account/security/test-setup", "/account/security/turn-off",
                 "/account/confirm", "/account/confirm?method=recovery_code"]:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[f"2fa {path}"] = response.text
    client.cookies.clear()
    page_login(client, "ada@example.com", PASSWORD)
    for path in ["/login/verify", "/login/verify?method=recovery_code"]:
        pages[path] = client.get(path).text
    return pages


def test_two_factor_pages_have_labels(client: TestClient, clock: FixedClock) -> None:
    for name, html in _two_factor_pages(client, clock).items():
        assert audit(html).unlabelled() == [], name


def test_two_factor_pages_follow_the_markup_rules(client: TestClient,
                                                  clock: FixedClock) -> None:
    for name, html in _two_factor_pages(client, clock).items():
        check_markup_rules(name, html)


def test_pages_follow_the_markup_rules(client: TestClient) -> None:
    for name, html in _all_pages(client).items():
        check_markup_rules(name, html)


def check_markup_rules(name: str, html: str) -> None:
    found = audit(html)
    assert found.lang == "en", name
    assert found.skip_link, name
    assert "off" not in found.autocomplete, name
    # The CSP allows no inline code at all.
    assert found.inline_scripts == 0, name
    assert found.inline_styles == 0, name
    # One h1 first, and no level skipped on the way down.
    assert found.headings[0] == 1, name
    assert found.headings.count(1) == 1, name
    for before, after in zip(found.headings, found.headings[1:], strict=False):
        assert after <= before + 1, name


def test_login_and_signup_fields_use_the_right_autocomplete(client: TestClient) -> None:
    signup = client.get("/signup").text
    assert 'autocomplete="username"' in signup
    assert 'autocomplete="new-password"' in signup
    login = client.get("/login").text
    # "webauthn" lets the browser offer passkeys in the email field's autofill.
    assert 'autocomplete="username webauthn"' in login
    assert 'autocomplete="current-password"' in login


def test_home_links_to_the_account_when_signed_in(client: TestClient) -> None:
    assert 'href="/signup"' in client.get("/").text
    page_signup(client, "ada@example.com", "plum lantern orbit quay 73")
    home = client.get("/").text
    assert 'href="/account"' in home
    assert "ada@example.com" in home


def test_static_files_are_served_and_cacheable(client: TestClient) -> None:
    css = client.get("/static/secondlock.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert "no-store" not in css.headers.get("cache-control", "")
    assert client.get("/static/secondlock.js").status_code == 200
    assert client.get("/static/favicon.svg").status_code == 200


@pytest.mark.parametrize(("method", "path", "status", "title"), [
    ("GET", "/no/such/page", 404, "We could not find that page"),
    ("GET", "/static/missing.css", 404, "We could not find that page"),
    ("PUT", "/login", 405, "That did not work"),
    ("GET", "/logout", 405, "That did not work"),
])
def test_errors_are_friendly_html_pages(client: TestClient, method: str, path: str,
                                        status: int, title: str) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert title in response.text
    assert "problem" not in response.text


def test_the_api_still_answers_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_dev_outbox_is_absent_in_production(settings_factory: Callable[..., Settings],
                                           clock: FixedClock, outbox: OutboxMailer,
                                           database: Database) -> None:
    settings = settings_factory(env="production", origin="https://accounts.example.com",
                                smtp_url="smtp://mail.example.com:587")
    app = create_app(settings, clock=clock, mailer=outbox, database=database)
    with TestClient(app, base_url="https://accounts.example.com") as client:
        assert client.get("/dev/outbox").status_code == 404
        assert "/dev/outbox" not in client.get("/").text
