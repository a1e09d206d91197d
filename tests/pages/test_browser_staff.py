"""The support console in Chromium (issue #14): staff sign in with a security key (the CDP
virtual authenticator), search, ask for a reset, and a second admin approves it in another
browser context; a staff member signed in with password + TOTP is refused."""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from secondlock.core.request_info import CLI_REQUEST
from secondlock.core.totp import code_at
from secondlock.services import Services
from secondlock.services.staff import StaffActor
from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, LiveServer, serve_live
from tests.pages.test_a11y import AXE_ENV, Findings
from tests.pages.test_browser import no_sideways_scroll, sign_up
from tests.pages.test_browser_webauthn import USB_KEY, _sessions, add_key, with_authenticator

pytestmark = pytest.mark.browser

_emails = (f"agent{n}@example.com" for n in itertools.count(1))


@pytest.fixture(scope="module")
def approval_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with serve_live(tmp_path_factory.mktemp("staff"), staff_reset_approval=1) as server:
        yield server


def services(server: LiveServer) -> Services:
    assert server.services is not None
    return server.services


def shopper_with_totp(server: LiveServer, email: str) -> str:
    """A shopper with an authenticator app; returns its secret."""
    s = services(server)
    s.accounts.sign_up(email, PASSWORD, CLI_REQUEST, send_welcome=False)
    session = s.login.login(email, PASSWORD, CLI_REQUEST).session
    assert session is not None
    view = s.sessions.authenticate(session.token)
    started = s.authenticator_app.enroll(view, "Pixel", CLI_REQUEST)
    s.authenticators.confirm(view, started.id, code_at(started.secret, s.rt.clock.now()),
                             CLI_REQUEST)
    return started.secret


def axe_if_installed() -> str | None:
    path = Path(os.environ.get(AXE_ENV) or Path(sys.prefix) / "axe" / "node_modules"
                / "axe-core" / "axe.min.js")
    return path.read_text(encoding="utf-8") if path.exists() else None


def staff_with_key(browser: Browser, server: LiveServer, role: str) -> Page:
    """A new browser context: sign up, add a USB key, become staff, sign in with the key."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    axe = axe_if_installed()
    if axe:
        context.add_init_script(script=axe)
    page, url, email = context.new_page(), server.url, next(_emails)
    with_authenticator(page, USB_KEY)
    sign_up(page, url, email)
    add_key(page, url, "YubiKey")
    services(server).staff.add(email, role)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Use your security key").click()
    expect(page).to_have_url(url + "/account")
    return page


def test_a_reset_asked_by_support_and_approved_by_an_admin(
        browser: Browser, approval_server: LiveServer) -> None:
    url = approval_server.url
    shopper_with_totp(approval_server, "lost.phone@example.com")
    agent = staff_with_key(browser, approval_server, "support")
    lead = staff_with_key(browser, approval_server, "admin")
    findings = Findings()

    def check(page: Page) -> None:
        if axe_if_installed():
            findings.check(page, "en")

    try:
        agent.goto(url + "/admin")
        agent.get_by_label("Email (its start) or whole phone number").fill("lost.ph")
        agent.keyboard.press("Enter")
        expect(agent.get_by_role("link", name="lost.phone@example.com")).to_be_visible()
        check(agent)
        agent.get_by_role("link", name="lost.phone@example.com").click()
        expect(agent.get_by_role("heading", level=1)).to_have_text("lost.phone@example.com")
        no_sideways_scroll(agent, PHONE["width"])
        check(agent)
        for box in agent.get_by_role("checkbox").all()[1:]:  # the identity checklist
            box.check()
        agent.get_by_label("Reason, and how you checked").fill("video call, order 1234")
        agent.get_by_label("Ticket").fill("T-77")
        agent.get_by_role("button", name="Reset two-factor authentication").click()
        expect(agent.get_by_role("status")).to_contain_text("waiting for another admin")

        lead.goto(url + "/admin/approvals")
        expect(lead.get_by_text("T-77")).to_be_visible()
        check(lead)
        lead.get_by_role("button", name="Approve the reset").click()
        expect(lead.get_by_role("status")).to_contain_text("The shopper was mailed")
        expect(lead.get_by_text("No reset is waiting.")).to_be_visible()
        lead.get_by_role("link", name="Audit log").click()
        expect(lead.get_by_text("approve_reset").first).to_be_visible()
        check(lead)
        assert findings.problems == [], "\n".join(findings.problems)
        assert findings.pages == (4 if axe_if_installed() else 0)
        account_id = _account_id(approval_server, "lost.phone@example.com")
        assert services(approval_server).authenticators.summary(account_id).methods == ()
    finally:
        for page in (agent, lead):
            _sessions.pop(page, None)
            page.context.close()


def _account_id(server: LiveServer, email: str) -> str:
    actor = StaffActor(account_id="probe", email="probe@example.com", role="admin", via="api")
    found = services(server).staff_desk.search(actor, email, CLI_REQUEST)
    return found[0].id


def test_staff_signed_in_with_password_and_totp_are_refused(
        browser: Browser, approval_server: LiveServer) -> None:
    url, email = approval_server.url, next(_emails)
    secret = shopper_with_totp(approval_server, email)
    services(approval_server).staff.add(email, "admin")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        page.goto(url + "/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        # The next time step: the enrollment used up this one.
        later = services(approval_server).rt.clock.now() + timedelta(seconds=30)
        page.get_by_label("6-digit code from your authenticator app").fill(
            code_at(secret, later))
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(url + "/account")
        page.goto(url + "/admin")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "You cannot open the support console")
        expect(page.get_by_text("Add one to your account")).to_be_visible()
    finally:
        context.close()
