"""Two-factor authentication in a real Chromium at phone size, with independent tools.

The QR code the page draws is decoded by zbarimg, and codes come from oathtool: neither
shares code with the server. The live server runs on the real clock, so a code used once
is refused again (replay); the sign-in waits for the next 30-second step.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import DESKTOP, PHONE, LiveServer
from tests.pages.test_browser import SCREENSHOT, no_sideways_scroll, sign_up, unnamed_fields

pytestmark = pytest.mark.browser

ZBARIMG = "/usr/bin/zbarimg"
OATHTOOL = "/usr/bin/oathtool"
_emails = (f"twofactor{n}@example.com" for n in itertools.count(1))


@pytest.fixture(autouse=True)
def _tools() -> None:
    for tool in (ZBARIMG, OATHTOOL):
        if not Path(tool).exists():
            pytest.skip(f"{tool} is not installed")


def oathtool(secret: str, step: int) -> str:
    """The code for one 30 s time step, so the step we record is the step of the code."""
    out = subprocess.run([OATHTOOL, "--totp", "-b", f"--now=@{step * 30}", secret],
                         capture_output=True, text=True, check=True, timeout=10)
    return out.stdout.strip()


def step_now() -> int:
    return int(time.time()) // 30


def fresh_code(secret: str, after_step: int) -> str:
    """A code from a later 30 s step than ``after_step`` (the server refuses replays)."""
    while step_now() <= after_step:
        time.sleep(0.5)
    return oathtool(secret, step_now())


def check_page(page: Page) -> None:
    assert unnamed_fields(page) == [], page.url
    no_sideways_scroll(page, page.viewport_size["width"] if page.viewport_size else 390)


def add_app(page: Page, url: str, tmp_path: Path, name: str) -> tuple[str, int]:
    """From the account page through scanning (zbarimg) and confirming (oathtool).

    Returns the secret and the time step of the code used.
    """
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("button", name="Set up Authenticator app").click()
    expect(page.get_by_role("heading", name="Step 2: Scan the QR code")).to_be_visible()
    for app in ("Google Authenticator", "Microsoft Authenticator", "Aegis", "2FAS",
                "1Password"):
        expect(page.get_by_text(app, exact=False).first).to_be_visible()
    check_page(page)
    shot = tmp_path / "qr.png"
    page.locator("#totp-qr").screenshot(path=str(shot))
    decoded = subprocess.run([ZBARIMG, "--raw", "-q", str(shot)], capture_output=True,
                             text=True, timeout=20)
    assert decoded.returncode == 0, decoded.stderr
    uri = decoded.stdout.strip()
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth"
    assert parts.netloc == "totp"
    query = parse_qs(parts.query)
    secret = query["secret"][0]
    shown = page.locator("#totp-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", shown)
    assert shown.replace(" ", "") == secret
    assert query["issuer"] == ["SecondLock"]
    assert "SecondLock:" in parts.path
    assert secret not in page.url

    page.get_by_label("Name for this app").fill(name)
    used = step_now()
    page.get_by_label("6-digit code from your authenticator app").fill(oathtool(secret, used))
    page.get_by_role("button", name="Check the code").click()
    return secret, used


def sign_in_password(page: Page, url: str, email: str) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(url + "/login/verify")


def test_the_whole_wizard_at_phone_size(browser: Browser, live_server: LiveServer,
                                        tmp_path: Path) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    url, email = live_server.url, next(_emails)
    sign_up(page, url, email)
    secret, used = add_app(page, url, tmp_path, "iPhone")

    # Step 4: the recovery codes, once, with download and print.
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check_page(page)
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # the script ran
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download as .txt").click()
    download = download_info.value
    assert download.suggested_filename == "secondlock-recovery-codes.txt"
    saved = Path(download.path()).read_text(encoding="utf-8")
    assert all(code in saved for code in codes)
    assert email in saved

    # Step 5: test the setup.
    page.get_by_role("link", name="I saved them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test your setup")
    check_page(page)
    page.get_by_role("button", name="Sign out and test").click()
    expect(page).to_have_url(url + "/login?notice=test-setup")
    expect(page.get_by_role("status")).to_contain_text("Now test your setup")
    sign_in_password(page, url, email)
    page.goto(url + "/account")  # the pending sign-in alone opens nothing
    expect(page).to_have_url(url + "/login")
    sign_in_password(page, url, email)
    check_page(page)
    code = page.get_by_label("6-digit code from your authenticator app")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    code.fill(fresh_code(secret, used))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(url + "/account?notice=setup-works")  # the test worked
    expect(page.get_by_role("status")).to_contain_text("Your setup works")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")

    # Lost phone: a recovery code instead.
    page.get_by_role("button", name="Sign out").click()
    sign_in_password(page, url, email)
    page.get_by_role("link", name="Use a recovery code").first.click()
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(url + "/account?notice=recovery-code-used")
    expect(page.get_by_role("status")).to_contain_text("used up")

    page.get_by_role("link", name="Security").first.click()
    expect(page.get_by_text("Two-factor authentication: on")).to_be_visible()
    expect(page.get_by_text("9 of 10 left")).to_be_visible()
    check_page(page)
    assert errors == []  # no CSP violations anywhere on the way
    context.close()


def test_security_page_screenshot_with_2fa_on(browser: Browser, live_server: LiveServer,
                                              tmp_path: Path) -> None:
    context = browser.new_context(viewport=DESKTOP, device_scale_factor=1)
    page = context.new_page()
    url = live_server.url
    sign_up(page, url, "ada.lovelace@example.com")
    add_app(page, url, tmp_path, "iPhone")
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    page.get_by_role("link", name="I saved them").click()
    page.get_by_role("link", name="Security").first.click()
    expect(page.get_by_text("Two-factor authentication: on")).to_be_visible()
    no_sideways_scroll(page, DESKTOP["width"])
    shot = tmp_path / "security.png"
    page.screenshot(path=str(shot), full_page=True)
    assert 10_000 < shot.stat().st_size < 600_000
    # Refresh the README image on request (or when missing), not on every run.
    if os.environ.get("SECONDLOCK_TEST_SCREENSHOT") or not SCREENSHOT.exists():
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
    context.close()


def test_the_recovery_codes_page_holds_the_language_switch_until_the_codes_are_saved(
        phone: Page, live_server: LiveServer, tmp_path: Path) -> None:
    """Switching language reloads the page, and the one-time codes would be gone: the
    footer says so instead of offering the switch, without needing JavaScript."""
    url, email = live_server.url, next(_emails)
    sign_up(phone, url, email)
    add_app(phone, url, tmp_path, "iPhone")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    footer = phone.locator("footer")
    expect(footer.get_by_role("button", name="Deutsch")).to_have_count(0)
    expect(footer).to_contain_text("Switching language now would hide your recovery codes")
    expect(phone.locator("#recovery-codes code")).to_have_count(10)
    check_page(phone)
    phone.get_by_role("link", name="I saved them").click()
    expect(phone.locator("footer").get_by_role("button", name="Deutsch")).to_be_visible()


def test_removing_an_app_asks_first_with_its_name_and_a_way_back(
        phone: Page, live_server: LiveServer, tmp_path: Path) -> None:
    url, email = live_server.url, next(_emails)
    sign_up(phone, url, email)
    add_app(phone, url, tmp_path, "Work phone")
    phone.get_by_role("link", name="I saved them").click()
    phone.goto(url + "/account/security/apps")
    phone.get_by_role("button", name="Remove Work phone").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Remove Work phone?")
    expect(phone.get_by_role("alert")).to_contain_text("turns two-factor authentication off")
    check_page(phone)
    phone.get_by_role("link", name="Keep it").click()
    expect(phone).to_have_url(url + "/account/security/apps")  # back where it was asked
    expect(phone.get_by_role("heading", name="Work phone")).to_be_visible()  # still there
    phone.get_by_role("button", name="Remove Work phone").click()
    phone.get_by_role("button", name="Remove Work phone").click()
    expect(phone).to_have_url(url + "/account/security?notice=mfa-off")
    expect(phone.get_by_role("heading", name="Work phone")).to_have_count(0)
