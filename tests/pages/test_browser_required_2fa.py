"""SECONDLOCK_REQUIRE_2FA=all in Chromium at phone size, on a fixed clock (issue #16).

During the grace period a banner counts the days down; past it every page leads into the
authenticator-app wizard until a factor is confirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, serve_live
from tests.pages.test_browser import no_sideways_scroll

pytestmark = pytest.mark.browser

GRACE_DAYS = 3


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[str]:
    with serve_live(tmp_path_factory.mktemp("required"), clock=clock, require_2fa="all",
                    require_2fa_grace=GRACE_DAYS * 86400) as live:
        yield live.url


def sign_in(page: Page, url: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_the_banner_counts_down_then_every_page_leads_into_the_wizard(
        phone: Page, url: str, clock: FixedClock) -> None:
    email = "grace@example.com"
    phone.goto(url + "/signup")
    phone.get_by_label("Email address").fill(email)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Create account").click()
    expect(phone).to_have_url(url + "/account")
    expect(phone.locator("#enroll-banner")).to_contain_text(f"({GRACE_DAYS} days left)")
    no_sideways_scroll(phone, PHONE["width"])

    clock.advance(seconds=int(timedelta(days=2, hours=1).total_seconds()))
    sign_in(phone, url, email)  # the old session is long idle
    expect(phone).to_have_url(url + "/account")
    expect(phone.locator("#enroll-banner")).to_contain_text("(1 day left)")
    phone.goto(url + "/account/activity")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Account activity")

    clock.advance(seconds=86400)  # the grace period is over
    sign_in(phone, url, email)
    expect(phone).to_have_url(url + "/account/security/totp?notice=enroll-required")
    expect(phone.get_by_role("status")).to_contain_text("requires two-factor")
    for path in ("/account", "/account/activity", "/account/sessions", "/account/checkup"):
        phone.goto(url + path)
        expect(phone).to_have_url(url + "/account/security/totp?notice=enroll-required")
    no_sideways_scroll(phone, PHONE["width"])

    phone.get_by_role("button", name="Start").click()
    secret = phone.locator("#totp-key").inner_text().replace(" ", "")
    phone.get_by_label("6-digit code from your authenticator app").fill(
        code_at(secret, clock.now()))
    phone.get_by_role("button", name="Check the code").click()
    expect(phone.locator("body")).to_contain_text("recovery")
    phone.goto(url + "/account/activity")  # the same session reaches everything now
    expect(phone).to_have_url(url + "/account/activity")
    expect(phone.locator("#enroll-banner")).to_have_count(0)
