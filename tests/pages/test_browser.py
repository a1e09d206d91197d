"""The pages in a real Chromium: sign up, sign out, sign in; labels; phone layout.

Elements are found the way people find them: by label and by role.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import DESKTOP, PHONE, LiveServer

pytestmark = pytest.mark.browser

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot.png"
FIELD_ROLES = {"textbox", "searchbox", "combobox", "listbox", "checkbox", "radio",
               "spinbutton", "slider", "switch"}
_emails = (f"shopper{n}@example.com" for n in itertools.count(1))


def sign_up(page: Page, url: str, email: str) -> None:
    page.goto(url + "/")
    page.get_by_role("link", name="Create account").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create your account")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(url + "/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")


def sign_in(page: Page, url: str, email: str) -> None:
    page.goto(url + "/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(url + "/account")


def no_sideways_scroll(page: Page, width: int) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width}px wide"


def unnamed_fields(page: Page) -> list[dict[str, Any]]:
    """Form fields in Chromium's accessibility tree that have no accessible name."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    fields = [n for n in nodes if not n.get("ignored")
              and n.get("role", {}).get("value") in FIELD_ROLES]
    return [n for n in fields if not str(n.get("name", {}).get("value", "")).strip()]


def field_count(page: Page, address: str) -> int:
    page.goto(address)
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    return sum(1 for n in nodes if not n.get("ignored")
               and n.get("role", {}).get("value") in FIELD_ROLES)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_sign_up_sign_out_sign_in(browser: Browser, live_server: LiveServer,
                                  viewport: ViewportSize) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    url, email = live_server.url, next(_emails)
    sign_up(page, url, email)
    expect(page.get_by_text(email)).to_be_visible()
    no_sideways_scroll(page, viewport["width"])

    page.get_by_role("link", name="Security").first.click()
    expect(page.get_by_text("Two-factor authentication: off")).to_be_visible()
    no_sideways_scroll(page, viewport["width"])

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url + "/login?notice=signed-out")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto(url + "/account")
    expect(page).to_have_url(url + "/login")

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("not the right password at all")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Email or password is not correct")
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(url + "/account")
    no_sideways_scroll(page, viewport["width"])
    context.close()


def test_show_password_toggle_works_under_the_csp(phone: Page,
                                                  live_server: LiveServer) -> None:
    errors: list[str] = []
    phone.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    phone.goto(live_server.url + "/signup")
    password = phone.get_by_label("Password", exact=True)
    password.fill("a long secret phrase")
    toggle = phone.get_by_role("button", name="Show password")
    toggle.click()
    expect(password).to_have_attribute("type", "text")
    phone.get_by_role("button", name="Hide password").click()
    expect(password).to_have_attribute("type", "password")
    assert errors == []  # no CSP violations


def test_confirm_email_from_the_dev_outbox(desktop: Page, live_server: LiveServer) -> None:
    sign_up(desktop, live_server.url, next(_emails))
    desktop.get_by_role("link", name="development outbox", exact=True).click()
    desktop.get_by_role("link", name="Open the link in this message").first.click()
    desktop.get_by_role("button", name="Confirm my email address").click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text(
        "Your email address is confirmed")
    desktop.get_by_role("link", name="Go to your account").click()
    expect(desktop.get_by_text("Confirmed", exact=True)).to_be_visible()


def test_every_page_has_labelled_fields_and_fits_a_phone(phone: Page,
                                                         live_server: LiveServer) -> None:
    url = live_server.url
    public = ["/", "/signup", "/login", "/verify-email?token=x", "/dev/outbox", "/missing"]
    for path in public:
        phone.goto(url + path)
        assert unnamed_fields(phone) == [], path
        no_sideways_scroll(phone, PHONE["width"])
    assert field_count(phone, url + "/signup") == 2  # the check above does see fields
    email = next(_emails)
    sign_up(phone, url, email)
    # A second device, so the devices page shows a per-device sign-out button.
    assert phone.context.browser is not None
    second = phone.context.browser.new_context()
    sign_in(second.new_page(), url, email)
    second.close()
    for path in ["/", "/account", "/account/security", "/account/sessions", "/dev/outbox",
                 "/verify-email?token=x", "/account/security/totp", "/account/confirm"]:
        phone.goto(url + path)
        if path == "/account/sessions":
            per_device = re.compile(r"^Sign out .+, last active ")
            expect(phone.get_by_role("button", name=per_device)).to_have_count(1)
        fields = phone.locator("input:not([type=hidden]), select, textarea")
        for i in range(fields.count()):
            field_id = fields.nth(i).get_attribute("id")
            assert field_id, path
            assert phone.locator(f"label[for='{field_id}']").count() == 1, path
        assert unnamed_fields(phone) == [], path
        no_sideways_scroll(phone, PHONE["width"])


def test_security_page_with_2fa_off_renders(desktop: Page, live_server: LiveServer,
                                           tmp_path: Path) -> None:
    # docs/screenshot.png shows the page with 2FA on: see test_browser_mfa.py.
    sign_up(desktop, live_server.url, "ada.lovelace@example.com")
    desktop.get_by_role("link", name="Security").first.click()
    expect(desktop.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    shot = tmp_path / "security.png"
    desktop.screenshot(path=str(shot), full_page=True)
    assert 10_000 < shot.stat().st_size < 400_000
