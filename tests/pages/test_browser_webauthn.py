"""Security keys and passkeys in a real Chromium at phone width, with the CDP virtual
authenticator (testing recipe, section 2): a USB key as the second factor, and a laptop
passkey for signing in with no password at all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, CDPSession, Page, expect

from tests.conftest import PASSWORD
from tests.pages.conftest import PHONE, LiveServer
from tests.pages.test_browser import FIELD_ROLES, no_sideways_scroll, sign_up

pytestmark = pytest.mark.browser

_emails = (f"keyholder{n}@example.com" for n in itertools.count(1))
USB_KEY = {"protocol": "ctap2", "transport": "usb", "hasResidentKey": False,
           "hasUserVerification": False, "automaticPresenceSimulation": True}
LAPTOP = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
          "hasUserVerification": True, "isUserVerified": True,
          "automaticPresenceSimulation": True}


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    page = context.new_page()
    yield page
    _sessions.pop(page, None)
    context.close()


_sessions: dict[Page, CDPSession] = {}
WITHOUT_JSON_HELPERS = """
delete PublicKeyCredential.parseCreationOptionsFromJSON;
delete PublicKeyCredential.parseRequestOptionsFromJSON;
delete PublicKeyCredential.prototype.toJSON;
"""


def with_authenticator(page: Page, options: dict[str, Any]) -> None:
    """Plug a virtual authenticator into this tab (before any create()/get()).

    Its CDP session stays open for the whole test: detaching a session that enabled the
    WebAuthn domain takes the tab's virtual authenticators away with it.
    """
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    _sessions[page] = cdp


def check_page(page: Page) -> None:
    """Every field named, no sideways scroll (through the tab's one CDP session)."""
    nodes = _sessions[page].send("Accessibility.getFullAXTree")["nodes"]
    fields = [n for n in nodes if not n.get("ignored")
              and n.get("role", {}).get("value") in FIELD_ROLES]
    assert [n for n in fields if not str(n.get("name", {}).get("value", "")).strip()] == []
    no_sideways_scroll(page, PHONE["width"])


def add_key(page: Page, url: str, name: str) -> None:
    """From the account page: the security overview, the keys' page, name the key, add it,
    save the codes; back on the overview, the key's row names it."""
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("link", name="Set up Security key or passkey").click()
    expect(page.get_by_role("heading", name="Security keys and passkeys")).to_be_visible()
    check_page(page)
    page.get_by_label("Name for the new key").fill(name)
    page.get_by_role("button", name="Add a security key or passkey").click()
    expect(page.get_by_role("heading", name="Save your recovery codes")).to_be_visible()
    page.get_by_role("link", name="I saved them").click()
    expect(page).to_have_url(url + "/account/security?notice=key-added")
    expect(page.locator(".overview__row").filter(has_text="Security key or passkey")) \
        .to_contain_text(name)
    check_page(page)


def sign_out(page: Page, url: str) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(url + "/login?notice=signed-out")


@pytest.mark.parametrize("helpers", ["native", "fallback"])
def test_a_usb_key_as_the_second_step(phone_page: Page, live_server: LiveServer,
                                      helpers: str) -> None:
    page, url, email = phone_page, live_server.url, next(_emails)
    if helpers == "fallback":  # a browser without the JSON helpers: our base64url code
        page.add_init_script(WITHOUT_JSON_HELPERS)
    with_authenticator(page, USB_KEY)
    sign_up(page, url, email)
    helper = page.evaluate("typeof PublicKeyCredential.parseCreationOptionsFromJSON")
    assert helper == ("function" if helpers == "native" else "undefined")
    add_key(page, url, "YubiKey")
    page.get_by_role("link", name="Manage Security key or passkey").click()
    expect(page.get_by_text("stays on this device")).to_be_visible()
    sign_out(page, url)

    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(url + "/login/verify")
    check_page(page)
    page.get_by_role("button", name="Use your security key").click()
    expect(page).to_have_url(url + "/account")
    # The key was used: the security page says so, and it can be renamed.
    page.get_by_role("link", name="Security").first.click()
    page.get_by_role("link", name="Manage Security key or passkey").click()
    expect(page.get_by_text("Not used yet")).to_have_count(0)
    page.get_by_label("New name for YubiKey").fill("Blue YubiKey")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator(".overview__row").filter(has_text="Security key or passkey")) \
        .to_contain_text("Blue YubiKey")


def test_a_laptop_passkey_signs_in_with_the_button(
        phone_page: Page, live_server: LiveServer) -> None:
    page, url, email = phone_page, live_server.url, next(_emails)
    # A browser without conditional UI (autofill): the button is the way in.
    page.add_init_script("PublicKeyCredential.isConditionalMediationAvailable = "
                         "async () => false;")
    with_authenticator(page, LAPTOP)
    sign_up(page, url, email)
    add_key(page, url, "Laptop")
    page.get_by_role("link", name="Manage Security key or passkey").click()
    expect(page.get_by_text("Chromium virtual authenticator")).to_be_visible()
    sign_out(page, url)

    check_page(page)
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page).to_have_url(url + "/account")
    expect(page.get_by_text(email).first).to_be_visible()


def test_the_browser_offers_the_passkey_in_the_email_autofill(
        phone_page: Page, live_server: LiveServer) -> None:
    page, url, email = phone_page, live_server.url, next(_emails)
    with_authenticator(page, LAPTOP)
    sign_up(page, url, email)
    add_key(page, url, "Laptop")
    page.get_by_role("button", name="Sign out").click()
    # The login page starts a conditional request at once; the virtual authenticator
    # answers it as a person picking the passkey from the autofill list would.
    expect(page).to_have_url(url + "/account")
    expect(page.get_by_text(email).first).to_be_visible()


def test_adding_the_same_key_twice_gets_a_friendly_message(
        phone_page: Page, live_server: LiveServer) -> None:
    page, url, email = phone_page, live_server.url, next(_emails)
    with_authenticator(page, USB_KEY)
    sign_up(page, url, email)
    add_key(page, url, "YubiKey")
    page.goto(url + "/account/security/keys")
    page.get_by_label("Name for the new key").fill("Again")
    page.get_by_role("button", name="Add a security key or passkey").click()
    expect(page.get_by_role("alert").filter(has_text="already registered")).to_be_visible()
