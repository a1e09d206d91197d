"""Lost every factor, in a real Chromium at phone width with a short wait and a fixed clock:
from the second step to the waiting page, and after the wait into the wizard."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page, expect

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, serve_live
from tests.pages.test_browser import no_sideways_scroll, unnamed_fields

pytestmark = pytest.mark.browser

EMAIL = "lost.it.all@example.com"
DELAY = 600
INFO = RequestInfo(ip="127.0.0.1", user_agent="setup")


@dataclass(frozen=True)
class Server:
    url: str
    outbox: OutboxMailer
    clock: FixedClock
    services: Services


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    clock = FixedClock()
    with serve_live(tmp_path_factory.mktemp("recovery"), clock=clock,
                    recovery_delay=DELAY) as live:
        yield Server(live.url, live.outbox, clock, live.services)


def with_an_app(services: Services, clock: FixedClock) -> None:
    services.accounts.sign_up(EMAIL, PASSWORD, INFO, send_welcome=False)
    session = services.login.login(EMAIL, PASSWORD, INFO).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    started = services.authenticator_app.enroll(view, "Lost phone", INFO)
    services.authenticators.confirm(view, started.id, code_at(started.secret, clock.now()),
                                    INFO)
    clock.advance(seconds=60)


def link_token(outbox: OutboxMailer) -> str:
    for _ in range(100):
        for sent in outbox.latest():
            match = re.search(r"/recovery/link\?token=([\w-]+)", sent.message.text)
            if sent.message.kind == "recovery_link" and match:
                return match.group(1)
        time.sleep(0.05)
    raise AssertionError("no recovery link was mailed")


def check(page: Page) -> None:
    assert unnamed_fields(page) == [], page.url
    no_sideways_scroll(page, PHONE["width"])


def test_lost_everything_then_back_in_after_the_wait(phone: Page, server: Server) -> None:
    url = server.url
    with_an_app(server.services, server.clock)
    phone.goto(url + "/login")
    phone.get_by_label("Email address").fill(EMAIL)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Sign in", exact=True).click()
    expect(phone).to_have_url(url + "/login/verify")
    phone.get_by_text("Lost your phone?", exact=True).click()
    phone.get_by_role("link", name="Lost your phone and your recovery codes? Recover "
                                   "your account").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(
        "Lost your phone and your recovery codes?")
    check(phone)
    phone.get_by_label("Email address").fill(EMAIL)
    phone.get_by_role("button", name="Send me a link").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your email")

    phone.goto(f"{url}/recovery/link?token={link_token(server.outbox)}")
    expect(phone).to_have_url(url + "/recovery/continue")  # the token left the address bar
    expect(phone.get_by_role("heading", level=1)).to_have_text("Start the recovery")
    check(phone)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Start the waiting period").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your recovery is waiting")
    expect(phone.get_by_text("The waiting period ends on")).to_be_visible()
    check(phone)

    server.clock.advance(seconds=DELAY)
    phone.reload()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Finish the recovery")
    check(phone)
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Sign in and remove the old factors").click()
    expect(phone).to_have_url(url + "/account/security/totp?notice=recovered")
    expect(phone.get_by_text("You are back in.")).to_be_visible()
    check(phone)
