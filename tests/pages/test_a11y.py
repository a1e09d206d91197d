"""Accessibility guard: axe-core (WCAG 2.2 A/AA) over every page, plus what axe cannot see.

axe-core comes from the npm registry (``./scripts/test`` installs it into ``.venv/axe`` and
names the file in ``SECONDLOCK_TEST_AXE``) and is injected by Playwright into every page
before the page's own scripts run (an init script, so the strict CSP does not block it).

- Signed out and signed in, every page is checked at 390 px and 1280 px in English, and a
  sample of pages in every other language of ``LANGUAGES`` (new languages are covered
  without touching this file). Signed-in pages are found by following the links from the
  account page, so a new page that is linked from there is covered too; the pages behind
  forms (wizard steps, the second step of each method, a refused form, OIDC consent and
  confirm) are reached by their flows. Zero violations are allowed.
- Keyboard only (Tab, Enter and typing; no clicks): the second step, and the
  authenticator-app wizard from the security page to "Test your setup".
- After a refused form, focus is on the error summary.
- The resend countdown of SMS and email codes is a polite live region whose text does not
  change every second (the ticking clock is hidden from screen readers).
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from secondlock.core.i18n import DEFAULT_LANGUAGE, LANGUAGES
from tests.conftest import PASSWORD, REQUIRE_ENV
from tests.pages.conftest import (
    DESKTOP,
    PHONE,
    Account,
    LiveServer,
    browser_context,
    full_account,
    new_account,
    serve_live,
)

pytestmark = pytest.mark.browser

AXE_ENV = "SECONDLOCK_TEST_AXE"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS: dict[str, ViewportSize] = {"phone": PHONE, "desktop": DESKTOP}
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
#: Links the crawl does not follow: they act (sign out), leave, or are developer tools.
SKIP_LINKS = re.compile(r"^/(logout|dev/|api/|static/|oidc/|openapi)|\.txt$|[?&](token|download)=")
MAX_PAGES = 60
_emails = (f"a11y{n}@example.com" for n in itertools.count(1))


def axe_source() -> str:
    default = Path(sys.prefix) / "axe" / "node_modules" / "axe-core" / "axe.min.js"
    path = Path(os.environ.get(AXE_ENV) or default)
    if not path.exists():
        reason = f"axe-core is not installed at {path} (./scripts/test installs it with npm)"
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(reason)
        pytest.skip(reason)
    return path.read_text(encoding="utf-8")


# A live server whose app the test can reach (OIDC clients, the outboxes) ----------------

Live = LiveServer


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    with serve_live(tmp_path_factory.mktemp("a11y")) as server:
        yield server


# Accounts, made through the JSON API ------------------------------------------------------

@dataclass
class Accounts:
    full: Account  # an app, a phone, a backup address, a security key, recovery codes
    client_id: str  # a shop that asks for consent


@pytest.fixture(scope="module")
def accounts(live: Live) -> Accounts:
    full = full_account(live, next(_emails))
    shop = live.app.state.oidc.clients.add("Example Shop", [live.url + "/shop/callback"],
                                           first_party=False)
    return Accounts(full, shop.client_id)


# Browsing and checking --------------------------------------------------------------------

@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


def new_context(browser: Browser, live: Live, axe: str, viewport: ViewportSize,
                language: str, token: str | None = None) -> BrowserContext:
    return browser_context(browser, live, viewport, language=language, token=token,
                           init_script=axe)


AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
      v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
}"""


@dataclass
class Findings:
    """Violations per page; the test fails at the end with all of them."""

    pages: int = 0
    problems: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    def check(self, page: Page, language: str, label: str = "") -> None:
        page.wait_for_load_state("load")
        where = f"[{language} {page.viewport_size}] {label or urlsplit(page.url).path}"
        self.pages += 1
        self.checked.append(where)
        lang = page.evaluate("document.documentElement.lang")
        if lang.lower().replace("_", "-") != language.lower().replace("_", "-"):
            self.problems.append(f"{where}: <html lang={lang!r}>, expected {language!r}")
        for violation in page.evaluate(AXE_RUN, WCAG_TAGS):
            self.problems.append(f"{where}: {violation}")

    def assert_clean(self) -> None:
        print(f"axe checked {self.pages} pages:", *self.checked, sep="\n  ")
        assert self.pages > 0
        assert self.problems == [], "\n" + "\n".join(self.problems)


def same_origin_links(page: Page, live: Live) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all(
        "a[href]:not([download])", "links => links.map((a) => a.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != live.url:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIP_LINKS.search(path):
            paths.append(path)
    return paths


def crawl(page: Page, live: Live, start: list[str], findings: Findings, language: str,
          limit: int = MAX_PAGES) -> list[str]:
    """Visit every same-origin page reachable by links from ``start``; check each."""
    seen: list[str] = []
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        page.goto(live.url + path)
        if urlsplit(page.url).path == "/login" and path != "/login":
            findings.problems.append(f"{path}: signed out on the way")
            continue
        findings.check(page, language, path)
        queue += [p for p in same_origin_links(page, live) if p not in seen]
    return seen


def password_step(page: Page, live: Live, email: str) -> None:
    page.goto(live.url + "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("form:has(#password) [type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/login/verify"))


def oidc_authorize(live: Live, client_id: str, **extra: str) -> str:
    query = {"response_type": "code", "client_id": client_id,
             "redirect_uri": live.url + "/shop/callback", "scope": "openid email",
             "state": "s" * 16, "nonce": "n" * 16, "code_challenge": "c" * 43,
             "code_challenge_method": "S256", **extra}
    return f"{live.url}/oidc/authorize?{urlencode(query)}"


SECOND_STEP_METHODS = ["totp", "sms", "email", "webauthn", "recovery_code"]


def check_signed_out(page: Page, live: Live, accounts: Accounts, findings: Findings,
                     language: str, *, everything: bool) -> None:
    pages = crawl(page, live, ["/login"], findings, language,
                  limit=MAX_PAGES if everything else 3)
    assert "/signup" in pages or not everything
    page.goto(live.url + "/no-such-page")
    findings.check(page, language, "404")
    # A refused form: the error summary has focus.
    page.goto(live.url + "/login")
    page.locator("#email").fill(accounts.full.email)
    page.locator("#password").fill("not the password at all")
    page.locator("form:has(#password) [type=submit]").first.click()
    findings.check(page, language, "/login refused")
    assert_error_focused(page)
    password_step(page, live, accounts.full.email)
    for method in SECOND_STEP_METHODS if everything else ["totp", "sms"]:
        page.goto(f"{live.url}/login/verify?method={method}")
        findings.check(page, language, f"second step: {method}")


def check_signed_in(page: Page, live: Live, accounts: Accounts, findings: Findings,
                    language: str, *, everything: bool) -> None:
    start = ["/account", "/account/security"]
    crawl(page, live, start, findings, language, limit=MAX_PAGES if everything else 4)
    for path in ["/account/confirm?next=/account/security", "/account/security/apps",
                 "/account/security/keys", "/account/security/sms-email",
                 "/account/security/recovery-codes", "/account/security/phone",
                 "/account/security/email", "/account/security/turn-off",
                 "/no-such-page"][: None if everything else 1]:
        page.goto(live.url + path)
        findings.check(page, language, path)
    if everything:
        page.goto(oidc_authorize(live, accounts.client_id))
        findings.check(page, language, "OIDC consent")
        page.goto(oidc_authorize(live, accounts.client_id, prompt="login",
                                 acr_values="urn:secondlock:mfa"))
        findings.check(page, language, "OIDC confirm")


def check_enrollment(page: Page, live: Live, findings: Findings, email: str,
                     phone: str) -> None:
    """A fresh account: its pages without 2FA, and adding a phone and an address."""
    crawl(page, live, ["/account", "/account/security"], findings, DEFAULT_LANGUAGE, limit=2)
    page.goto(live.url + "/account/security/phone")
    page.locator("#phone").fill("12")
    page.locator("form:has(#phone) [type=submit]").click()
    expect(page.locator("#form-error")).to_be_visible()
    assert_error_focused(page)
    findings.check(page, DEFAULT_LANGUAGE, "add a phone: refused number")
    page.locator("#phone").fill(phone)
    page.locator("form:has(#phone) [type=submit]").click()
    expect(page.locator("#code")).to_be_visible()
    findings.check(page, DEFAULT_LANGUAGE, "add a phone: the code")
    page.locator("#code").fill("000000")
    page.locator("form:has(#code) [type=submit]").first.click()
    expect(page.locator("#form-error")).to_be_visible()
    assert_error_focused(page)
    findings.check(page, DEFAULT_LANGUAGE, "add a phone: refused code")
    page.goto(live.url + "/account/security/email")
    page.locator("#email").fill("codes." + email)
    page.locator("form:has(#email) [type=submit]").click()
    expect(page.locator("#code")).to_be_visible()
    findings.check(page, DEFAULT_LANGUAGE, "add an address: the code")


def assert_error_focused(page: Page) -> None:
    """Focus is on the error summary, once the page has run its load handlers (a loaded CI
    machine read ``activeElement`` before the page had moved focus)."""
    expect(page.locator("#form-error"), f"{page.url}: focus is not on the error").to_be_focused()


# The tests -----------------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_page_in_english_passes_axe(browser: Browser, live: Live, accounts: Accounts,
                                          axe: str, viewport: str) -> None:
    findings = Findings()
    size = VIEWPORTS[viewport]
    context = new_context(browser, live, axe, size, DEFAULT_LANGUAGE)
    check_signed_out(context.new_page(), live, accounts, findings, DEFAULT_LANGUAGE,
                     everything=True)
    context.close()
    context = new_context(browser, live, axe, size, DEFAULT_LANGUAGE, accounts.full.token)
    check_signed_in(context.new_page(), live, accounts, findings, DEFAULT_LANGUAGE,
                    everything=True)
    context.close()
    with live.api() as api:
        fresh = new_account(api, next(_emails))
    context = new_context(browser, live, axe, size, DEFAULT_LANGUAGE, fresh.token)
    phone = "+1201555019" + str(list(VIEWPORTS).index(viewport))
    check_enrollment(context.new_page(), live, findings, fresh.email, phone)
    context.close()
    findings.assert_clean()


@pytest.mark.parametrize("language", OTHER_LANGUAGES)
def test_a_sample_of_pages_in_every_other_language_passes_axe(
        browser: Browser, live: Live, accounts: Accounts, axe: str, language: str) -> None:
    findings = Findings()
    context = new_context(browser, live, axe, PHONE, language)
    check_signed_out(context.new_page(), live, accounts, findings, language, everything=False)
    context.close()
    context = new_context(browser, live, axe, PHONE, language, accounts.full.token)
    check_signed_in(context.new_page(), live, accounts, findings, language, everything=False)
    context.close()
    findings.assert_clean()


def tab_to(page: Page, selector: str, presses: int = 60) -> None:
    """Press Tab until the element matching ``selector`` has focus."""
    target = page.locator(selector).first
    expect(target).to_be_visible()
    for _ in range(presses):
        page.keyboard.press("Tab")
        if target.evaluate("(el) => el === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_authenticator_app_wizard_works_with_the_keyboard_alone(
        browser: Browser, live: Live, axe: str, viewport: str) -> None:
    with live.api() as api:
        account = new_account(api, next(_emails))
    findings = Findings()
    context = new_context(browser, live, axe, VIEWPORTS[viewport], DEFAULT_LANGUAGE,
                          account.token)
    page = context.new_page()
    page.goto(live.url + "/account/security")
    tab_to(page, "form[action='/account/security/totp'] [type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#totp-key")).to_be_visible()
    findings.check(page, DEFAULT_LANGUAGE, "wizard: scan")
    totp = pyotp.TOTP(page.locator("#totp-key").inner_text().replace(" ", ""))

    tab_to(page, "#name")
    page.keyboard.type("My phone")
    tab_to(page, "#code")
    page.keyboard.type("000000" if totp.now() != "000000" else "111111")
    page.keyboard.press("Enter")
    expect(page.locator("#form-error")).to_be_visible()
    assert_error_focused(page)
    findings.check(page, DEFAULT_LANGUAGE, "wizard: refused code")

    tab_to(page, "#code")
    page.keyboard.press("Control+A")
    page.keyboard.type(totp.now())
    page.keyboard.press("Enter")
    expect(page.locator("#recovery-codes")).to_be_visible()
    findings.check(page, DEFAULT_LANGUAGE, "wizard: recovery codes")

    tab_to(page, "a[href*='test-setup']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"test-setup"))
    findings.check(page, DEFAULT_LANGUAGE, "wizard: test your setup")
    context.close()
    findings.assert_clean()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_second_step_works_with_the_keyboard_alone(
        browser: Browser, live: Live, accounts: Accounts, axe: str, viewport: str) -> None:
    full = accounts.full
    context = new_context(browser, live, axe, VIEWPORTS[viewport], DEFAULT_LANGUAGE)
    page = context.new_page()
    page.goto(live.url + "/login")
    tab_to(page, "#email")
    page.keyboard.type(full.email)
    tab_to(page, "#password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/login/verify"))

    # The key comes first; choose the app (phone) or a recovery code (desktop) by keyboard.
    method = "recovery_code" if viewport == "desktop" else "totp"
    tab_to(page, f"a[href$='method={method}']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"method={method}"))
    tab_to(page, "#code")
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    expect(page.locator("#form-error")).to_be_visible()
    assert_error_focused(page)

    tab_to(page, "#code")
    page.keyboard.press("Control+A")
    assert full.totp is not None
    # The app's next code: within the drift window, and newer than the one that confirmed it.
    code = full.recovery_codes.pop() if viewport == "desktop" else \
        full.totp.at(time.time() + 30)
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/account"))
    context.close()


def test_the_resend_countdown_is_announced_politely(
        browser: Browser, live: Live, accounts: Accounts, axe: str) -> None:
    context = new_context(browser, live, axe, PHONE, DEFAULT_LANGUAGE)
    page = context.new_page()
    password_step(page, live, accounts.full.email)
    page.goto(live.url + "/login/verify?method=sms")
    send = page.locator("form[action='/login/verify/send'] [type=submit]")
    if page.locator("form[data-resend-in]").count() == 0:
        send.first.click()  # "Send the code": then the page shows the resend box
    box = page.locator("form[data-resend-in]")
    expect(box).to_be_visible()
    live_region = box.locator("[aria-live]")
    expect(live_region).to_have_count(1)
    assert live_region.get_attribute("aria-live") == "polite"
    spoken = "(el) => el.innerText === undefined ? '' : [...el.childNodes].filter((n) => " \
        "!(n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true'))" \
        ".map((n) => n.textContent).join('')"
    first = live_region.evaluate(spoken)
    shown = box.inner_text()
    time.sleep(1.3)
    assert box.inner_text() != shown, "the countdown does not tick"
    assert live_region.evaluate(spoken) == first, "the live region changes every second"
    context.close()
