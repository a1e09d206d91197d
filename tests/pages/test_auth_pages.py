"""Sign-up, sign-in and sign-out through the HTML forms: errors, CSRF and cookies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD, MadeAccount
from tests.pages.helpers import csrf_of, page_login, page_signup, submit

WRONG = "definitely not the password"


def test_sign_up_signs_in_and_lands_on_the_account(client: TestClient) -> None:
    response = page_signup(client, "Ada@Example.com", PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    account = client.get("/account")
    assert account.status_code == 200
    assert "ada@example.com" in account.text
    assert "Not confirmed yet" in account.text


@pytest.mark.parametrize(("email", "password", "status", "message"), [
    ("ada@example.com", "too short", 422, "Use at least 15 characters"),
    ("not-an-email", PASSWORD, 422, "not valid"),
    ("ada@example.com", "ada@example.com", 422, "Choose a different password"),
])
def test_sign_up_errors_keep_the_email_and_never_echo_the_password(
        client: TestClient, email: str, password: str, status: int, message: str) -> None:
    response = page_signup(client, email, password)
    assert response.status_code == status
    assert 'role="alert"' in response.text
    assert message in response.text
    assert f'value="{email}"' in response.text
    if password != email:
        assert password not in response.text
    assert client.cookies.get("secondlock_session") is None


def test_taken_email_is_409_with_the_form_again(client: TestClient,
                                                account_factory: Callable[..., MadeAccount]
                                                ) -> None:
    made = account_factory()
    response = page_signup(client, made.email, "another long enough passphrase")
    assert response.status_code == 409
    assert "already exists" in response.text
    assert f'value="{made.email}"' in response.text
    assert "another long enough passphrase" not in response.text


def test_login_success_sets_the_cookie_and_redirects(client: TestClient,
                                                     account_factory: Callable[..., MadeAccount]
                                                     ) -> None:
    made = account_factory()
    response = page_login(client, made.email, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert client.get("/account").status_code == 200


def test_wrong_password_is_401_with_a_clear_message(client: TestClient,
                                                    account_factory: Callable[..., MadeAccount]
                                                    ) -> None:
    made = account_factory()
    response = page_login(client, made.email, WRONG)
    assert response.status_code == 401
    assert 'role="alert"' in response.text
    assert "Email or password is not correct" in response.text
    assert f'value="{made.email}"' in response.text
    assert WRONG not in response.text


def test_too_many_failures_give_a_friendly_429(client: TestClient,
                                               account_factory: Callable[..., MadeAccount]
                                               ) -> None:
    made = account_factory()
    statuses = [page_login(client, made.email, WRONG).status_code for _ in range(6)]
    assert statuses == [401] * 6
    response = page_login(client, made.email, PASSWORD)
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert 'role="alert"' in response.text
    assert "wait" in response.text
    assert "seconds" in response.text


def test_signed_in_visitors_skip_the_forms(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    for path in ("/login", "/signup"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/account"


def test_logout_ends_the_session(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    token = client.cookies["secondlock_session"]
    response = submit(client, "/account", "/logout", {})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?notice=signed-out"
    assert "You are signed out" in client.get("/login?notice=signed-out").text
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


@pytest.mark.parametrize("action", ["/login", "/signup", "/logout"])
def test_missing_or_wrong_csrf_token_is_a_friendly_403(client: TestClient, action: str) -> None:
    client.get("/login")  # the browser holds a CSRF cookie
    data = {"email": "ada@example.com", "password": PASSWORD}
    for extra in ({}, {"csrf_token": "0" * 64}):
        response = client.post(action, data={**data, **extra}, follow_redirects=False)
        assert response.status_code == 403
        assert "This form could not be accepted" in response.text
        assert response.headers["content-type"].startswith("text/html")


def test_token_without_the_cookie_is_refused(client: TestClient) -> None:
    token = csrf_of(client.get("/login").text)
    client.cookies.clear()
    response = client.post("/login", data={"email": "a@example.com", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 403


@pytest.mark.parametrize("header", [{"Origin": "https://evil.example"},
                                    {"Referer": "https://evil.example/page"},
                                    {"Origin": "null"}])
def test_cross_origin_posts_are_refused(client: TestClient,
                                        account_factory: Callable[..., MadeAccount],
                                        header: dict[str, str]) -> None:
    made = account_factory()
    response = submit(client, "/login", "/login", {"email": made.email, "password": PASSWORD},
                      headers=header)
    assert response.status_code == 403
    assert client.cookies.get("secondlock_session") is None


def test_same_origin_header_is_accepted(client: TestClient,
                                        account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    response = submit(client, "/login", "/login", {"email": made.email, "password": PASSWORD},
                      headers={"Origin": "http://localhost:8000"})
    assert response.status_code == 303


def _set_cookies(response_headers: list[str], name: str) -> str:
    matches = [c for c in response_headers if c.startswith(name + "=")]
    assert len(matches) == 1, response_headers
    return matches[0].lower()


def test_cookie_attributes_over_http(client: TestClient,
                                     account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    response = page_login(client, made.email, PASSWORD)
    cookie = _set_cookies(response.headers.get_list("set-cookie"), "secondlock_session")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "path=/" in cookie
    assert "secure" not in cookie
    assert "max-age" not in cookie
    assert "expires" not in cookie


def test_cookie_attributes_over_https(settings_factory: Callable[..., Settings],
                                      clock: FixedClock, outbox: OutboxMailer,
                                      database: Database) -> None:
    settings = settings_factory(origin="https://localhost")
    app = create_app(settings, clock=clock, mailer=outbox, database=database)
    with TestClient(app, base_url="https://localhost") as client:
        form = client.get("/signup")
        csrf_cookie = _set_cookies(form.headers.get_list("set-cookie"), "__Host-secondlock_csrf")
        assert "secure" in csrf_cookie
        assert "httponly" in csrf_cookie
        assert "path=/" in csrf_cookie
        response = client.post("/signup", data={"email": "ada@example.com", "password": PASSWORD,
                                                "csrf_token": csrf_of(form.text)},
                               follow_redirects=False)
        assert response.status_code == 303
        cookie = _set_cookies(response.headers.get_list("set-cookie"),
                              "__Host-secondlock_session")
        for part in ("secure", "httponly", "samesite=lax", "path=/"):
            assert part in cookie
        assert "domain=" not in cookie
        assert client.get("/account").status_code == 200
