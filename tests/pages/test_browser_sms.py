"""The whole SMS sign-in in a real Chromium at phone width, with the live resend countdown."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import LiveServer
from tests.pages.test_browser import no_sideways_scroll, sign_up, unnamed_fields

pytestmark = pytest.mark.browser

_emails = (f"texter{n}@example.com" for n in itertools.count(1))


def texted_code(server: LiveServer) -> str:
    match = re.search(r"\b(\d{6})\b", server.texts.latest()[0].body)
    assert match
    return match.group(1)


def check_page(page: Page) -> None:
    assert unnamed_fields(page) == [], page.url
    no_sideways_scroll(page, 390)


def test_sms_sign_in_at_phone_width_with_a_live_countdown(
        phone: Page, live_server: LiveServer) -> None:
    page, url, email = phone, live_server.url, next(_emails)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_up(page, url, email)

    # Add a phone: the page warns that texts are the least safe factor.
    page.goto(url + "/account/security")
    page.get_by_role("link", name="Set up Codes by text message or email").click()
    page.get_by_role("link", name="Add a phone").click()
    expect(page.get_by_text("SIM swapping")).to_be_visible()
    check_page(page)
    page.get_by_label("Mobile number").fill("+1 201 555 0123")
    page.get_by_role("button", name="Text me a code").click()
    expect(page.locator("#sent-to")).to_have_text("+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0123")
    page.get_by_label("6-digit code from the text message").fill(texted_code(live_server))
    page.get_by_role("button", name="Check the code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    page.get_by_role("link", name="I saved them").click()

    # The security page recommends a stronger factor when SMS is the only one.
    page.goto(url + "/account/security")
    expect(page.get_by_text("Your only second factor is a phone.")).to_be_visible()
    check_page(page)

    # Sign out and in: the second step by text message.
    page.get_by_role("button", name="Sign out").click()
    page.goto(url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(re.compile(r"/login/verify"))
    page.get_by_role("button", name="Text me a code").click()
    expect(page.locator("#sent-to")).to_contain_text("0123")
    countdown = page.locator("[data-countdown]")
    expect(countdown).to_have_text(re.compile(r"Didn't get it\? Resend in 0:[0-3]\d"))
    expect(page.get_by_role("button", name="Send a new code")).to_be_disabled()
    expect(page.get_by_text("Try another way", exact=True)).to_be_visible()
    check_page(page)
    page.get_by_label("6-digit code from the text message").fill(texted_code(live_server))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(url + "/account")
    assert errors == []
