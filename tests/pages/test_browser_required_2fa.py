"""SECONDLOCK_REQUIRE_2FA=all in Chromium at phone size, on a fixed clock (issue #16).

During the grace period a banner counts the days down; past it every page leads into the
authenticator-app wizard until a factor is confirmed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.schema import metadata
from secondlock.web.app import create_app
from tests.conftest import PASSWORD, TEST_SECRET
from tests.pages.conftest import PHONE
from tests.pages.test_browser import no_sideways_scroll

pytestmark = pytest.mark.browser

GRACE_DAYS = 3


@pytest.fixture(scope="module")
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory, clock: FixedClock) -> Iterator[str]:
    data_dir: Path = tmp_path_factory.mktemp("required")
    database_url = f"sqlite:///{data_dir / 'secondlock.db'}"
    engine = create_engine(database_url)
    metadata.create_all(engine)
    engine.dispose()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://localhost:{sock.getsockname()[1]}"
    settings = Settings(env="development", origin=url, data_dir=data_dir,
                        secret_key=TEST_SECRET, database_url=database_url,
                        require_2fa="all", require_2fa_grace=GRACE_DAYS * 86400)
    app = create_app(settings, mailer=OutboxMailer(echo=False), clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    yield url
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    yield context.new_page()
    context.close()


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
