"""The example shop end to end in Chromium: sign in through SecondLock with the shop's
off-the-shelf OIDC client, see honest amr/acr, and place a high-value order only after a
fresh second factor (issue #7 "Done when").

The provider's FixedClock starts 250 s behind the real clock: the shop checks ages against
the real clock, and every TOTP code the test types needs a later 30 s step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from examples.shop.app import ShopConfig, create_app
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.conftest import PASSWORD
from tests.oidc.conftest import Provider, Served, bind

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    yield context.new_page()
    context.close()


def test_high_value_order_needs_a_fresh_second_factor(provider: Provider, page: Page) -> None:
    provider.clock.set(datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=250))
    shopper = provider.with_totp("ada@example.com")
    sock = bind()
    shop_url = f"http://localhost:{sock.getsockname()[1]}"
    made = provider.oidc.clients.add("Example Shop", [f"{shop_url}/callback"])
    shop = Served(create_app(ShopConfig(
        issuer=provider.url, client_id=made.client_id, client_secret=made.client_secret or "",
        base_url=shop_url, step_up_amount=100, step_up_max_age=120)), sock).start()
    try:
        page.goto(shop_url + "/")
        page.click("#sign-in")
        page.wait_for_url(re.compile(r".*/login$"))
        page.fill("#email", shopper.email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.wait_for_url(re.compile(r".*/login/verify"))
        provider.clock.advance(seconds=30)
        page.fill("#code", provider.totp_code(shopper))
        page.get_by_role("button", name=re.compile("Sign in|Verify|Continue")).click()
        # A third-party shop: the consent screen names it and what it may see.
        expect(page.get_by_role("heading", name=re.compile("Allow Example Shop"))).to_be_visible()
        page.get_by_role("button", name="Allow", exact=True).click()
        page.wait_for_url(shop_url + "/")
        expect(page.locator("#amr")).to_have_text("pwd otp mfa")
        expect(page.locator("#acr")).to_have_text("urn:secondlock:mfa")

        page.click("#buy-socks")  # a small order: no step-up
        expect(page.locator("#notice")).to_contain_text("Order placed: Wool socks")

        # The sign-in is now older than the shop's 120 s, for the provider too; the new one
        # is 10 s before the real time, so a slow machine has ample margin.
        provider.clock.advance(seconds=150)
        page.click("#buy-bike")
        page.wait_for_url(re.compile(r".*/oidc/confirm\?"))
        expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
        page.fill("#code", provider.totp_code(shopper))
        page.get_by_role("button", name="Confirm").click()
        page.wait_for_url(shop_url + "/")
        expect(page.locator("#notice")).to_contain_text("Order placed: Bicycle")
        expect(page.locator("#orders")).to_contain_text("Bicycle, 890 EUR, confirmed by "
                                                        "ada@example.com with pwd otp mfa")
    finally:
        shop.stop()
