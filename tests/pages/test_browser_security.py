"""The security overview and its method pages in Chromium at phone width (issue #12, items
13 and 14): short enough to take in, each row leading to its method's page, and the small
things that made the pages feel unfinished."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import (
    PHONE,
    LiveServer,
    browser_context,
    full_account,
    new_account,
    sms_code,
)
from tests.pages.test_browser import no_sideways_scroll, unnamed_fields

pytestmark = pytest.mark.browser

#: "About one or two screens" of a 390 x 844 phone.
MAX_OVERVIEW_HEIGHT = 2 * PHONE["height"]
METHOD_PAGES = {
    "Authenticator app": ("/account/security/apps", "Authenticator apps"),
    "Security key or passkey": ("/account/security/keys", "Security keys and passkeys"),
    "Codes by text message or email": ("/account/security/sms-email",
                                       "Codes by text message or email"),
    "Recovery codes": ("/account/security/recovery-codes", "Recovery codes"),
}
_emails = (f"overview{n}@example.com" for n in itertools.count(1))
#: The look of a field: what makes one input look like its neighbours.
FIELD_LOOK = """(el) => { const s = getComputedStyle(el);
  return [s.borderTopWidth, s.borderTopStyle, s.borderTopColor, s.borderRadius, s.paddingTop,
          s.paddingLeft, s.fontSize, s.backgroundColor, s.width]; }"""
BUTTON_LOOK = """(el) => { const s = getComputedStyle(el);
  return {cursor: s.cursor, color: s.color, background: s.backgroundColor,
          border: s.borderTopColor}; }"""


def signed_in(browser: Browser, live: LiveServer, token: str) -> BrowserContext:
    return browser_context(browser, live, PHONE, token=token)


@pytest.fixture
def fresh(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone signed in to a new account without two-factor authentication."""
    with live_server.api() as api:
        account = new_account(api, next(_emails))
    context = signed_in(browser, live_server, account.token)
    yield context.new_page()
    context.close()


def test_the_overview_of_an_account_with_every_method_fits_in_two_phone_screens(
        browser: Browser, live_server: LiveServer) -> None:
    account = full_account(live_server, next(_emails))
    context = signed_in(browser, live_server, account.token)
    page = context.new_page()
    page.goto(live_server.url + "/account/security")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_OVERVIEW_HEIGHT, f"the overview is {height}px tall at 390px"
    no_sideways_scroll(page, PHONE["width"])
    rows = page.locator(".overview__row")
    expect(rows.filter(has_text="Authenticator app")).to_contain_text("iPhone")
    expect(rows.filter(has_text="Security key or passkey")).to_contain_text("YubiKey")
    expect(rows.filter(has_text="Recovery codes")).to_contain_text("9 of 10 left")
    context.close()


def test_each_row_of_the_overview_leads_to_its_method_page_and_back(
        browser: Browser, live_server: LiveServer) -> None:
    account = full_account(live_server, next(_emails))
    context = signed_in(browser, live_server, account.token)
    page = context.new_page()
    for row_name, (path, heading) in METHOD_PAGES.items():
        page.goto(live_server.url + "/account/security")
        row = page.locator(".overview__row").filter(has_text=row_name)
        row.get_by_role("link", name=re.compile("^Manage")).click()
        expect(page).to_have_url(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        no_sideways_scroll(page, PHONE["width"])
        assert unnamed_fields(page) == [], path
        page.get_by_role("link", name="Back to security settings").click()
        expect(page).to_have_url(live_server.url + "/account/security")
    context.close()


def test_the_phone_number_field_looks_like_the_other_fields(fresh: Page,
                                                            live_server: LiveServer) -> None:
    fresh.goto(live_server.url + "/account/security/phone")
    phone, name = fresh.locator("#phone"), fresh.locator("#name")
    assert phone.get_attribute("type") == "tel"
    assert phone.evaluate(FIELD_LOOK) == name.evaluate(FIELD_LOOK)


def test_a_disabled_send_a_new_code_button_looks_disabled(fresh: Page,
                                                          live_server: LiveServer) -> None:
    fresh.goto(live_server.url + "/account/security/phone")
    fresh.locator("#phone").fill("+12015550177")
    fresh.get_by_role("button", name="Text me a code").click()
    button = fresh.get_by_role("button", name="Send a new code")
    expect(button).to_be_disabled()  # the resend countdown is running
    waiting = button.evaluate(BUTTON_LOOK)
    # The same button enabled, read at once (the countdown disables it again on its tick).
    ready = button.evaluate(f"(el) => {{ el.disabled = false; const look = ({BUTTON_LOOK})(el);"
                            " el.disabled = true; return look; }")
    assert waiting["cursor"] == "not-allowed"
    assert waiting["color"] != ready["color"]


def test_the_wizard_offers_a_tap_to_add_link_with_the_otpauth_address(
        fresh: Page, live_server: LiveServer) -> None:
    fresh.goto(live_server.url + "/account/security/totp")
    fresh.get_by_role("button", name="Start").click()
    link = fresh.get_by_role("link", name="Add to an authenticator app on this phone")
    expect(link).to_be_visible()
    href = link.get_attribute("href") or ""
    key = fresh.locator("#totp-key").inner_text().replace(" ", "")
    assert href.startswith("otpauth://totp/")
    assert f"secret={key}" in href
    parsed = pyotp.parse_uri(href)
    assert parsed.secret == key


def test_after_the_test_sign_in_the_account_says_the_setup_works(
        browser: Browser, live_server: LiveServer) -> None:
    with live_server.api() as api:
        account = new_account(api, next(_emails))
    context = signed_in(browser, live_server, account.token)
    page = context.new_page()
    page.goto(live_server.url + "/account/security/totp")
    page.get_by_role("button", name="Start").click()
    totp = pyotp.TOTP(page.locator("#totp-key").inner_text().replace(" ", ""))
    page.locator("#code").fill(totp.now())
    page.get_by_role("button", name="Check the code").click()
    page.get_by_role("link", name="I saved them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test your setup")
    page.get_by_role("button", name="Sign out and test").click()
    expect(page).to_have_url(re.compile(r"/login\?notice=test-setup"))
    page.locator("#email").fill(account.email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form:has(#password) [type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/login/verify"))
    page.goto(live_server.url + "/login/verify?method=totp")
    # The next code: within the drift window, and not the one that confirmed the app.
    page.locator("#code").fill(totp.at(live_server.clock.now().timestamp() + 30))
    page.locator("#code").press("Enter")
    expect(page).to_have_url(re.compile(r"/account\?notice=setup-works"))
    expect(page.get_by_role("status").filter(has_text="Your setup works")).to_be_visible()
    page.goto(live_server.url + "/account")  # said once, not on every later page
    expect(page.get_by_text("Your setup works")).to_have_count(0)
    context.close()


def test_the_page_not_found_has_the_navigation_and_a_way_to_the_account(
        fresh: Page, live_server: LiveServer) -> None:
    response = fresh.goto(live_server.url + "/account/no-such-page")
    assert response is not None
    assert response.status == 404
    nav = fresh.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Security")).to_be_visible()
    main = fresh.locator("main")
    expect(main.get_by_role("link", name="Go to the home page")).to_be_visible()
    main.get_by_role("link", name="Go to your account").click()
    expect(fresh).to_have_url(live_server.url + "/account")


def test_signed_out_the_page_not_found_offers_sign_in(browser: Browser,
                                                      live_server: LiveServer) -> None:
    context = browser_context(browser, live_server, PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/no-such-page")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.locator("main").get_by_role("link", name="Sign in").click()
    expect(page).to_have_url(live_server.url + "/login")
    context.close()


def test_a_refused_code_says_that_code_did_not_work_once(fresh: Page,
                                                        live_server: LiveServer) -> None:
    fresh.goto(live_server.url + "/account/security/phone")
    fresh.locator("#phone").fill("+12015550188")
    fresh.get_by_role("button", name="Text me a code").click()
    real = sms_code(live_server, "+12015550188")
    fresh.locator("#code").fill("000000" if real != "000000" else "111111")
    fresh.get_by_role("button", name="Check the code").click()
    box = fresh.locator("#form-error")
    expect(box).to_be_visible()
    assert box.inner_text().count("That code did not work") == 1
