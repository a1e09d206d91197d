"""The security checkup in a real Chromium at phone width, in English and in German,
switching with the footer's language buttons (no JavaScript needed). Found by role/label."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, LiveServer
from tests.pages.test_browser import no_sideways_scroll, unnamed_fields

pytestmark = pytest.mark.browser


def sign_up(page: Page, url: str, email: str) -> None:
    page.goto(url + "/signup")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(url + "/account")


def checkup_fits_a_phone(page: Page, *, heading: str, todo: str, fix: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_role("heading", level=2).filter(has_text=todo)).to_have_count(4)
    expect(page.get_by_role("link", name=fix).first).to_be_visible()
    assert not unnamed_fields(page)
    no_sideways_scroll(page, PHONE["width"])


def test_checkup_in_english_then_german_at_phone_width(browser: Browser,
                                                       live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="en-GB")
    page = context.new_page()
    url = live_server.url
    sign_up(page, url, "polyglot@example.com")
    page.goto(url + "/account/checkup")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    checkup_fits_a_phone(page, heading="Security checkup", todo="To do",
                         fix="Turn on two-factor authentication")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")

    page.get_by_role("button", name="Deutsch").click()
    expect(page).to_have_url(url + "/account/checkup")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    checkup_fits_a_phone(page, heading="Sicherheits-Check", todo="Offen",
                         fix="Zwei-Faktor-Authentifizierung einschalten")
    expect(page.get_by_role("button", name="Bestätigungslink erneut senden")).to_be_visible()
    expect(page.get_by_role("link", name="Sicherheit", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Deutsch")).to_have_attribute("aria-pressed", "true")

    # The choice sticks across pages and beats the browser's own language.
    page.get_by_role("link", name="Aktivität").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontoaktivität")
    expect(page.get_by_text(re.compile(r"^Konto erstellt"))).to_be_visible()
    no_sideways_scroll(page, PHONE["width"])

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(url + "/account/activity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Account activity")
    context.close()


def test_a_german_browser_gets_the_german_checkup(browser: Browser,
                                                  live_server: LiveServer) -> None:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1, locale="de-DE")
    page = context.new_page()
    url = live_server.url
    page.goto(url + "/signup")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_label("E-Mail-Adresse").fill("grete@example.com")
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Konto erstellen").click()
    expect(page).to_have_url(url + "/account")
    page.get_by_role("link", name="Sicherheits-Check abschließen").click()
    expect(page).to_have_url(url + "/account/checkup")
    checkup_fits_a_phone(page, heading="Sicherheits-Check", todo="Offen",
                         fix="Zwei-Faktor-Authentifizierung einschalten")
    context.close()
