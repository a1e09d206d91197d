"""Forgot password in a real Chromium at phone width: the link from the outbox, a new
password, then signing in with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.api.reset_helpers import NEW_PASSWORD, token_in, wait_for_reset_mail
from tests.pages.conftest import PHONE, LiveServer
from tests.pages.test_browser import no_sideways_scroll, sign_up, unnamed_fields

pytestmark = pytest.mark.browser

EMAIL = "forgetful@example.com"


def check(page: Page) -> None:
    assert unnamed_fields(page) == [], page.url
    no_sideways_scroll(page, PHONE["width"])


def test_forgot_password_then_sign_in_with_the_new_one(phone: Page,
                                                      live_server: LiveServer) -> None:
    url = live_server.url
    sign_up(phone, url, EMAIL)
    phone.get_by_role("button", name="Sign out").click()
    expect(phone).to_have_url(url + "/login?notice=signed-out")

    phone.get_by_role("link", name="Forgot your password?").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Reset your password")
    check(phone)
    phone.get_by_label("Email address").fill(EMAIL)
    phone.get_by_role("button", name="Send me a link").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your email")

    origin, token = token_in(wait_for_reset_mail(live_server.outbox, EMAIL))
    assert origin == url
    phone.goto(f"{url}/password-reset/link?token={token}")
    expect(phone).to_have_url(url + "/password-reset/new")  # the token left the address bar
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    check(phone)
    field = phone.get_by_label("New password")
    field.fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Show password").click()
    expect(field).to_have_attribute("type", "text")
    phone.get_by_role("button", name="Save new password").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your password is changed")
    check(phone)

    phone.get_by_role("link", name="Sign in").last.click()
    expect(phone).to_have_url(re.compile(r"/login$"))
    phone.get_by_label("Email address").fill(EMAIL)
    phone.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(url + "/account")
    no_sideways_scroll(phone, PHONE["width"])

    # The link worked once.
    phone.goto(f"{url}/password-reset/link?token={token}")
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "This password reset link has expired")
