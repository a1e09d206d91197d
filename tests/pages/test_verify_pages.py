"""Email confirmation from the link in the welcome mail, and the development outbox."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.notifications.outbox import OutboxMailer
from tests.conftest import PASSWORD
from tests.pages.helpers import csrf_of, page_signup

LINK = re.compile(r"http://localhost:8000(/verify-email\?token=[A-Za-z0-9_-]+)")


def _link(app: FastAPI, client: TestClient, outbox: OutboxMailer) -> str:
    # Reading the development outbox first delivers what the database outbox holds.
    match = LINK.search(outbox.latest()[0].message.text)
    assert match
    return match.group(1)


def test_verify_once_then_refuse_reuse(app: FastAPI, client: TestClient,
                                       outbox: OutboxMailer) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    link = _link(app, client, outbox)
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my email address" in page.text
    token = link.split("=", 1)[1]
    assert client.get("/account").text.count("Not confirmed yet") == 1  # GET consumed nothing
    done = client.post("/verify-email", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200
    assert "Your email address is confirmed" in done.text
    assert "Confirmed" in client.get("/account").text
    again = client.post("/verify-email", data={"token": token, "csrf_token": csrf_of(page.text)})
    assert again.status_code == 400
    assert "already been used or has expired" in again.text


def test_verify_works_without_being_signed_in(app: FastAPI, client: TestClient,
                                              outbox: OutboxMailer) -> None:
    page_signup(client, "ada@example.com", PASSWORD)
    link = _link(app, client, outbox)
    client.cookies.clear()
    page = client.get(link)
    done = client.post("/verify-email", data={"token": link.split("=", 1)[1],
                                              "csrf_token": csrf_of(page.text)})
    assert done.status_code == 200
    assert 'href="/login"' in done.text


def test_bad_or_missing_token_is_a_friendly_400(client: TestClient) -> None:
    missing = client.get("/verify-email")
    assert missing.status_code == 400
    assert "incomplete" in missing.text
    page = client.get("/verify-email?token=made-up")
    bad = client.post("/verify-email", data={"token": "made-up",
                                             "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 400
    assert "already been used or has expired" in bad.text


def test_verify_post_needs_csrf(client: TestClient) -> None:
    client.get("/verify-email?token=abc")
    response = client.post("/verify-email", data={"token": "abc"})
    assert response.status_code == 403
    assert 'href="/verify-email?token=abc"' in response.text


def test_dev_outbox_lists_mail_with_a_clickable_link(app: FastAPI, client: TestClient,
                                                     outbox: OutboxMailer) -> None:
    assert "No mail yet" in client.get("/dev/outbox").text
    page_signup(client, "ada@example.com", PASSWORD)
    link = _link(app, client, outbox)
    html = client.get("/dev/outbox").text
    assert "Welcome to SecondLock: confirm your email" in html
    assert 'To <bdi dir="ltr">ada@example.com</bdi>' in html  # left to right in Arabic too
    assert f'href="http://localhost:8000{link}"' in html
