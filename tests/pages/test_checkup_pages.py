"""The security checkup page and its summary on the account home."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from secondlock.core.blocklist import PasswordBlocklist
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.api.test_sign_in_alerts_api import SAFARI_IPHONE
from tests.conftest import PASSWORD
from tests.pages.helpers import csrf_of, enroll_app, page_login, page_signup

EMAIL = "ada@example.com"


def score(html: str) -> str:
    match = re.search(r"<strong>(\d of \d)</strong> done", html)
    assert match, html
    return match.group(1)


def press(client: TestClient, action: str) -> str:
    page = client.get("/account/checkup").text
    response = client.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=False)
    assert response.status_code == 303
    return str(response.headers["location"])


def test_a_new_account_sees_what_to_do_on_its_home_and_the_checkup(
        client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    home = client.get("/account").text
    assert "Security checkup: 2 of 6 done" in home
    assert "Finish your security checkup" in home
    page = client.get("/account/checkup").text
    assert score(page) == "2 of 6"
    assert page.count("To do") == 4
    assert "Turn on two-factor authentication" in page
    assert "Send the confirmation link again" in page


def test_the_confirmation_link_can_be_sent_again_a_few_times_an_hour(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    before = len(outbox.latest())
    for _ in range(3):
        assert press(client, "/account/email/resend") == "/account/checkup?notice=link-sent"
    assert len(outbox.latest()) == before + 3
    assert "verify-email?token=" in outbox.latest()[0].message.text
    assert press(client, "/account/email/resend") == "/account/checkup?notice=resend-limited"
    assert len(outbox.latest()) == before + 3


def test_turning_on_2fa_and_confirming_the_email_turns_items_green(
        client: TestClient, clock: FixedClock, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    link = next(s.message.text for s in outbox.latest() if s.message.kind == "welcome")
    token = re.search(r"verify-email\?token=(\S+)", link)
    assert token
    page = client.get(f"/verify-email?token={token.group(1)}").text
    client.post("/verify-email", data={"token": token.group(1), "csrf_token": csrf_of(page)})
    enroll_app(client, clock)
    page = client.get("/account/checkup").text
    assert score(page) == "6 of 6"
    assert "Your account is in good shape" in page
    assert "Security checkup: " not in client.get("/account").text  # no nagging when green


def test_new_device_sign_ins_wait_for_review_until_the_owner_says_they_were_theirs(
        client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)  # the same test client: a known device
    assert "No sign-in from a new device" in client.get("/account/checkup").text
    client.cookies.clear()
    client.headers["User-Agent"] = SAFARI_IPHONE
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/account/checkup").text
    assert "1 sign-in from a new device (Mobile Safari on iOS (iPhone))" in page
    assert press(client, "/account/checkup/reviewed") == \
        "/account/checkup?notice=devices-reviewed"
    assert "No sign-in from a new device" in client.get("/account/checkup").text


def test_a_password_found_on_the_blocklist_at_sign_in_is_flagged_until_it_is_not(
        client: TestClient, app: Any) -> None:
    page_signup(client, EMAIL, PASSWORD)
    runtime = app.state.services.rt
    packaged = runtime.blocklist
    runtime.blocklist = PasswordBlocklist([PASSWORD])  # the list grew since sign-up
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/account/checkup").text
    assert "on a list of common or leaked passwords" in page
    assert 'href="/account/password"' in page
    runtime.blocklist = packaged
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    assert "is not on our list" in client.get("/account/checkup").text


def test_the_account_home_marks_each_unfinished_checkup_item_as_to_do(
        client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    home = client.get("/account").text
    summary = home.split('id="checkup-heading"', 1)[1].split("</section>", 1)[0]
    items = re.findall(r"<li[^>]*>(.*?)</li>", summary, re.S)
    assert len(items) == 4
    for item in items:  # "Two-factor authentication is on" must not read as a fact
        assert re.search(r'<span class="badge badge--warn">To do</span>', item), item
    assert any("Two-factor authentication is on" in item for item in items)
