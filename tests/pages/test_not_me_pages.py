"""The "this wasn't me" page: the mailed link shows a button; only the button acts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from secondlock.notifications.outbox import OutboxMailer
from tests.api.conftest import TotpAccount
from tests.api.test_not_me_api import not_me_links, token_of
from tests.pages.helpers import csrf_of, page_login


def test_the_link_opens_a_confirmation_and_the_button_secures_the_account(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    link = not_me_links(outbox, made.account.email)[0]
    path = link.removeprefix("http://localhost:8000")

    page = client.get(path)
    assert page.status_code == 200
    assert page.headers["referrer-policy"] == "same-origin"  # the token stays on this site
    assert "Secure my account" in page.text
    client.get(path)  # opening it twice (a mail scanner, a preview) changes nothing
    assert client.get("/api/v1/me", headers=made.account.auth).status_code == 200

    done = client.post("/not-me", data={"token": token_of(link),
                                        "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200
    assert "Your account is secured" in done.text
    assert client.get("/api/v1/me", headers=made.account.auth).status_code == 401

    used = client.get(path)
    posted = client.post("/not-me", data={"token": token_of(link),
                                          "csrf_token": csrf_of(used.text)})
    assert posted.status_code == 400
    assert "already used" in posted.text


def test_the_page_signs_out_this_browser_too(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = token_of(not_me_links(outbox, made.account.email)[0])
    page_login(client, made.account.email, made.account.password)  # pending second step
    page = client.get(f"/not-me?token={token}")
    client.post("/not-me", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert client.get("/account", follow_redirects=False).status_code in (302, 303)


def test_a_broken_or_foreign_form_is_refused_kindly(client: TestClient) -> None:
    assert client.get("/not-me").status_code == 400
    assert "incomplete" in client.get("/not-me?token=").text
    forged = client.post("/not-me", data={"token": "abc", "csrf_token": "forged"})
    assert forged.status_code == 403


def test_after_the_link_the_next_sign_in_must_choose_a_new_password(
        client: TestClient, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    made = totp_factory()
    token = token_of(not_me_links(outbox, made.account.email)[0])
    page = client.get(f"/not-me?token={token}")
    client.post("/not-me", data={"token": token, "csrf_token": csrf_of(page.text)})
    client.cookies.clear()
    signed_in = client.post("/api/v1/login", json={"email": made.account.email,
                                                   "password": made.account.password})
    assert signed_in.json()["status"] == "mfa_required"  # the second factor still counts
    me = client.post("/api/v1/login/verify", json={
        "mfa_token": signed_in.json()["mfa_token"], "method": "recovery_code",
        "code": made.recovery_codes[0]}).json()["token"]
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {me}"}).json()
    assert body["password_change_required"] is True
