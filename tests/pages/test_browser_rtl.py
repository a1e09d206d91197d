"""Arabic, right to left, in a real Chromium at 390 px: sign-in, the second step, the security
page, the QR step and the recovery codes fit the phone without sideways scrolling, the layout
is the mirror image of the English one (element positions, not pixels), and codes, keys and
addresses still read left to right."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from secondlock.core.i18n import msg
from secondlock.core.totp import code_at
from secondlock.translations import translate
from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, LiveServer

pytestmark = pytest.mark.browser


def arabic(text: str) -> str:
    translated = str(translate(msg(text), "ar"))
    assert translated != text
    return translated


def context_in(browser: Browser, language: str, **options: Any) -> BrowserContext:
    return browser.new_context(viewport=options.pop("viewport", PHONE), device_scale_factor=1,
                               locale=language, **options)


def fits_the_phone(page: Page) -> None:
    """The page is right to left and nothing makes it scroll sideways at 390 px."""
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    widths = page.evaluate("[document.documentElement.scrollWidth,"
                           " document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]}px wide in {widths[1]}px"
    assert widths[1] == PHONE["width"]


def direction(page: Page, selector: str) -> str:
    return str(page.locator(selector).first.evaluate("e => getComputedStyle(e).direction"))


def test_arabic_pages_fit_a_phone_and_keep_codes_left_to_right(
        browser: Browser, live_server: LiveServer) -> None:
    url = live_server.url
    context = context_in(browser, "ar-EG", accept_downloads=True)
    page = context.new_page()
    email = "layla@example.com"

    page.goto(url + "/signup")
    fits_the_phone(page)
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/signup'] button[type=submit]").click()
    expect(page).to_have_url(url + "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text(arabic("Your account"))
    assert direction(page, "p.big bdi") == "ltr"  # the email address

    page.goto(url + "/account/security")
    fits_the_phone(page)
    expect(page.get_by_role("list", name=arabic("Ways to do the second step"))).to_be_visible()

    # The QR step: the code, the key as text (left to right), the code field.
    page.locator("form[action='/account/security/totp'] button[type=submit]").click()
    expect(page.get_by_role("heading", name=arabic("Step 2: Scan the QR code"))).to_be_visible()
    fits_the_phone(page)
    qr = page.locator("#totp-qr").bounding_box()
    assert qr is not None
    assert qr["x"] >= 0
    assert qr["x"] + qr["width"] <= PHONE["width"]
    key = page.locator("#totp-key")
    assert direction(page, "#totp-key") == "ltr"
    box = key.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    secret = key.inner_text().replace(" ", "")
    assert direction(page, "#code") == "ltr"
    page.locator("#code").fill(code_at(secret, datetime.now(UTC)))
    page.locator("form[action='/account/security/totp/confirm'] button[type=submit]").click()

    # The recovery codes: a grid of left-to-right codes inside the right-to-left page.
    expect(page.get_by_role("heading", level=1)).to_have_text(arabic("Save your recovery codes"))
    fits_the_phone(page)
    codes = page.locator("#recovery-codes code")
    expect(codes).to_have_count(10)
    for index in range(10):
        code = codes.nth(index)
        assert code.evaluate("e => getComputedStyle(e).direction") == "ltr"
        box = code.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    first, second = codes.nth(0).bounding_box(), codes.nth(1).bounding_box()
    assert first is not None
    assert second is not None
    if abs(first["y"] - second["y"]) < 1:  # side by side: the first one is on the right
        assert first["x"] > second["x"]
    page.locator("a.button--wide").click()

    # Sign out, sign in again: the sign-in page and the second step.
    page.locator(".site-header form[action='/logout'] button").click()
    page.goto(url + "/login")
    fits_the_phone(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(arabic("Sign in"))
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form[action='/login'] button[type=submit]").click()
    expect(page).to_have_url(url + "/login/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        arabic("Second step: confirm it's you"))
    fits_the_phone(page)
    assert direction(page, "#code") == "ltr"
    later = datetime.now(UTC) + timedelta(seconds=30)  # the enrolment used this step's code
    page.locator("#code").fill(code_at(secret, later))
    page.locator("form[action='/login/verify'] button[type=submit]").click()
    expect(page).to_have_url(url + "/account")
    context.close()


#: The sign-in page's parts: the brand, the heading, a label, a link, the footer's switch
#: and the password field start where the reading starts; the menu and the show-password
#: button are pushed to the far end of their row (the menu wraps to a line of its own on
#: a phone, and then starts there too).
ELEMENTS = [".brand", "main h1", "label[for=email]", "main .aside a", "#language-label",
            "#password", ".site-header .nav", ".password-toggle"]
READING_START = {".brand", "main h1", "label[for=email]", "main .aside a", "#language-label"}


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}])
def test_the_arabic_sign_in_page_is_the_mirror_of_the_english_one(
        browser: Browser, live_server: LiveServer, viewport: dict[str, int]) -> None:
    """Element positions, not pixels: the edge an element keeps to in English (its nearer
    one) is, at the same distance, the opposite edge in Arabic. Words differ in length
    between the languages, so only that edge is compared."""
    found: dict[str, dict[str, tuple[float, float]]] = {}
    for language in ("en-US", "ar"):
        context = context_in(browser, language, viewport=viewport)
        page = context.new_page()
        page.goto(live_server.url + "/login")
        expect(page.locator("html")).to_have_attribute("dir",
                                                       "rtl" if language == "ar" else "ltr")
        found[language] = {selector: text_gaps(page, selector) for selector in ELEMENTS}
        context.close()
    for selector in ELEMENTS:
        (left, right), (ar_left, ar_right) = found["en-US"][selector], found["ar"][selector]
        if selector in READING_START:
            assert left < right, (selector, "English starts on the left", left, right)
        if left < right:  # kept to the left in English: to the right in Arabic
            assert ar_right < ar_left, (selector, ar_left, ar_right)
            assert abs(left - ar_right) <= 1.5, (selector, left, ar_right)
        else:
            assert ar_left < ar_right, (selector, ar_left, ar_right)
            assert abs(right - ar_left) <= 1.5, (selector, right, ar_left)


def text_gaps(page: Page, selector: str) -> tuple[float, float]:
    """How far the content of ``selector`` (its words, for a block element; the box of a
    form field) is from the left and from the right edge of the viewport."""
    box = page.locator(selector).first.evaluate(
        "e => { let b = e.getBoundingClientRect();"
        " if (e.childNodes.length && getComputedStyle(e).display === 'block') {"
        " const r = document.createRange(); r.selectNodeContents(e);"
        " b = r.getBoundingClientRect(); } return [b.left, b.right]; }")
    width = page.evaluate("document.documentElement.clientWidth")
    return box[0], width - box[1]
