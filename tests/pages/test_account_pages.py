"""The signed-in pages: account, security and the list of signed-in devices."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, MadeAccount
from tests.pages.helpers import csrf_of, page_login, page_signup, submit

SESSION_FIELD = re.compile(r'name="session_id" value="([^"]+)"')


def test_account_page_shows_email_and_links(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    html = client.get("/account").text
    assert "ada@example.com" in html
    assert "Not confirmed yet" in html
    assert 'href="/account/security"' in html
    assert 'href="/account/sessions"' in html


def test_security_page_says_2fa_is_off_with_the_sms_note(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    html = client.get("/account/security").text
    assert "<h2" in html
    assert "Password" in html
    assert re.search(r"Two-factor authentication: <span[^>]*>off</span>", html)
    assert "authenticator app or a security key is safer" in html
    assert "SIM swapping" in html
    # Only working controls: sign out and set up an app; the other methods are links to
    # their pages (nothing unbuilt).
    assert html.split("<footer")[0].count("<form") == 2  # the footer holds the language switch
    assert 'href="/account/security/keys"' in html
    assert 'action="/logout"' in html
    assert 'action="/account/security/totp"' in html
    assert "Add an authenticator app" in html
    assert "Make new codes" not in html
    assert "Turn off" not in html


def test_sessions_lists_devices_and_marks_this_one(client: TestClient,
                                                   account_factory: Callable[..., MadeAccount]
                                                   ) -> None:
    made = account_factory()  # one session through the API
    page_login(client, made.email, PASSWORD)  # and this browser
    html = client.get("/account/sessions", headers={"User-Agent": "Mozilla/5.0"}).text
    assert len(re.findall(r'<li class="device[ "]', html)) == 2
    assert html.count("This device") == 1
    assert "testclient" in html  # the IP column
    assert "Last active" in html
    assert "Signed in" in html
    assert len(SESSION_FIELD.findall(html)) == 1  # a sign-out button only for the other one


def test_signing_out_another_session_ends_it(client: TestClient,
                                             account_factory: Callable[..., MadeAccount]
                                             ) -> None:
    made = account_factory()
    page_login(client, made.email, PASSWORD)
    assert client.get("/api/v1/me", headers=made.auth).status_code == 200
    html = client.get("/account/sessions").text
    other = SESSION_FIELD.findall(html)[0]
    response = client.post("/account/sessions/revoke",
                           data={"session_id": other, "csrf_token": csrf_of(html)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/account/sessions?notice=session-ended"
    assert client.get("/api/v1/me", headers=made.auth).status_code == 401
    after = client.get("/account/sessions?notice=session-ended").text
    assert "That device is signed out" in after
    assert "This device" in after
    assert not SESSION_FIELD.findall(after)
    # The same id again: already gone, said plainly.
    again = client.post("/account/sessions/revoke",
                        data={"session_id": other, "csrf_token": csrf_of(after)},
                        follow_redirects=False)
    assert again.headers["location"] == "/account/sessions?notice=session-gone"


def test_sign_out_all_other_devices(client: TestClient,
                                    account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    second = client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD})
    other_auth = {"Authorization": f"Bearer {second.json()['token']}"}
    page_login(client, made.email, PASSWORD)
    response = submit(client, "/account/sessions", "/account/sessions/revoke-others", {})
    assert response.headers["location"] == "/account/sessions?notice=others-ended"
    assert client.get("/api/v1/me", headers=made.auth).status_code == 401
    assert client.get("/api/v1/me", headers=other_auth).status_code == 401
    assert client.get("/account").status_code == 200


def test_cannot_sign_out_another_accounts_session(client: TestClient,
                                                  account_factory: Callable[..., MadeAccount]
                                                  ) -> None:
    victim = account_factory()
    victim_sessions = client.get("/api/v1/me/sessions", headers=victim.auth).json()
    page_signup(client, "mallory@example.com", PASSWORD)
    response = submit(client, "/account/sessions", "/account/sessions/revoke",
                      {"session_id": victim_sessions[0]["id"]})
    assert response.headers["location"] == "/account/sessions?notice=session-gone"
    assert client.get("/api/v1/me", headers=victim.auth).status_code == 200


def test_revoke_needs_csrf_and_a_session(client: TestClient) -> None:
    no_session = client.post("/account/sessions/revoke", data={"session_id": "x"},
                             follow_redirects=False)
    assert no_session.headers["location"] == "/login"
    page_signup(client, "ada@example.com", PASSWORD)
    response = client.post("/account/sessions/revoke", data={"session_id": "x"})
    assert response.status_code == 403


def test_garbage_session_id_is_handled(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    response = submit(client, "/account/sessions", "/account/sessions/revoke",
                      {"session_id": "<script>" * 20})
    assert response.headers["location"] == "/account/sessions?notice=session-gone"


def test_sign_out_all_others_records_one_event_and_leaves_another_account_alone(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made, stranger = account_factory(), account_factory()
    client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD})
    page_login(client, made.email, PASSWORD)
    submit(client, "/account/sessions", "/account/sessions/revoke-others", {})
    assert client.get("/api/v1/me", headers=stranger.auth).status_code == 200
    html = client.get("/account/activity").text
    assert html.count("Signed out all other devices") == 1


def test_activity_page_tells_what_happened_in_sentences(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    client.post("/api/v1/login", json={"email": made.email, "password": "wrong password!!"})
    page_login(client, made.email, PASSWORD)
    html = client.get("/account/activity").text
    assert "<h1>Account activity</h1>" in html
    assert "Signed in with your password" in html
    assert "from testclient" in html
    assert "just now" in html
    # The failure stands out, in words as well as in colour.
    failed = re.findall(r'<li class="activity activity--failed">(.*?)</li>', html, re.S)
    assert len(failed) == 1
    assert "Failed" in failed[0]
    assert "Sign-in failed: wrong password" in failed[0]
    assert '<label for="kind">Show</label>' in html


def test_activity_page_filters_and_ignores_an_unknown_filter(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    page_login(client, made.email, PASSWORD)
    security = client.get("/account/activity?kind=security").text
    assert "Created the account" in security
    assert "Signed in" not in security
    assert '<option value="security" selected>' in security
    anything = client.get("/account/activity?kind=%3Cscript%3E&before=abc")
    assert anything.status_code == 200
    assert "Created the account" in anything.text
    assert "Signed in" in anything.text
    assert "<script>" not in anything.text


def test_activity_page_pages_on_to_older_entries(
        client: TestClient, account_factory: Callable[..., MadeAccount]) -> None:
    made = account_factory()
    for _ in range(55):
        client.post("/api/v1/login", json={"email": made.email, "password": PASSWORD})
    page_login(client, made.email, PASSWORD)
    first = client.get("/account/activity").text
    assert first.count('<li class="activity') == 50
    older = re.search(r'href="(/account/activity\?before=\d+)"', first)
    assert older, "no link to older activity"
    second = client.get(older.group(1)).text
    assert second.count('<li class="activity') == 8  # 58 rows in all
    assert "Created the account" in second
    assert "Older activity" not in second


def test_the_account_home_shows_the_previous_sign_in(client: TestClient) -> None:
    page_signup(client, "ada@example.com", PASSWORD)  # the first sign-in
    assert "Your previous sign-in" not in client.get("/account").text
    client.cookies.clear()
    client.headers["User-Agent"] = ("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
                                    "Firefox/128.0")
    page_login(client, "ada@example.com", PASSWORD)
    client.cookies.clear()
    del client.headers["User-Agent"]
    page_login(client, "ada@example.com", PASSWORD)
    html = client.get("/account").text
    assert "Your previous sign-in" in html
    assert "Signed in with your password on Firefox on Linux, from testclient" in html
