"""Remembered devices in the browser pages: the checkbox, the cookie, the Devices page."""

from __future__ import annotations

import re

import httpx2 as httpx  # what starlette.testclient answers with
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from tests.conftest import PASSWORD
from tests.pages.helpers import Enrolled, csrf_of, page_login
from tests.pages.test_mfa_pages import EMAIL, set_cookie, two_factor_account

DEVICE_FIELD = re.compile(r'name="device_id" value="([^"]+)"')


def remember_this_browser(client: TestClient, clock: FixedClock,
                          enrolled: Enrolled) -> httpx.Response:
    clock.advance(seconds=30)
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/login/verify")
    assert "Don't ask for a code on this device for 30 days" in page.text
    done = client.post("/login/verify", data={
        "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "remember_device": "1", "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert done.headers["location"] == "/account"
    return done


def sign_out(client: TestClient) -> None:
    """Forget the session, keep the device cookie (like closing the browser)."""
    for name in ("secondlock_session", "secondlock_mfa"):
        client.cookies.delete(name)


def test_a_ticked_box_sets_a_long_lived_httponly_cookie_that_skips_the_code_next_time(
        client: TestClient, clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    done = remember_this_browser(client, clock, enrolled)
    cookie = set_cookie(done, "secondlock_device")
    for part in ("httponly", "samesite=lax", "path=/", "max-age=2592000"):
        assert part in cookie
    first = client.cookies["secondlock_device"]

    sign_out(client)
    again = page_login(client, EMAIL, PASSWORD)
    assert again.headers["location"] == "/account"  # no second step
    assert client.cookies["secondlock_device"] != first  # rotated at every use
    assert client.get("/account").status_code == 200


def test_the_box_is_not_ticked_by_default_and_not_offered_for_recovery_codes(
        client: TestClient, clock: FixedClock) -> None:
    two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/login/verify").text
    assert re.search(r'<input type="checkbox" id="remember_device" name="remember_device" '
                     r'value="1">', page)
    assert "remember_device" not in client.get("/login/verify?method=recovery_code").text


def test_the_devices_page_lists_and_forgets_remembered_devices(
        client: TestClient, clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    remember_this_browser(client, clock, enrolled)
    page = client.get("/account/sessions")
    assert "Remembered devices" in page.text
    assert "Remembered until" in page.text
    device_id = DEVICE_FIELD.search(page.text)
    assert device_id
    forgot = client.post("/account/devices/forget", data={
        "device_id": device_id.group(1), "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert forgot.headers["location"] == "/account/sessions?notice=device-forgotten"
    assert "No device is remembered" in client.get("/account/sessions").text

    sign_out(client)
    asked = page_login(client, EMAIL, PASSWORD)
    assert asked.headers["location"] == "/login/verify"
    assert "max-age=0" in set_cookie(asked, "secondlock_device")  # the dead token is dropped


def test_forget_all_and_a_foreign_id_are_handled(client: TestClient, clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    remember_this_browser(client, clock, enrolled)
    page = client.get("/account/sessions").text
    odd = client.post("/account/devices/forget", data={
        "device_id": "not-a-device!", "csrf_token": csrf_of(page)}, follow_redirects=False)
    assert odd.headers["location"] == "/account/sessions?notice=device-gone"
    done = client.post("/account/devices/forget-all", data={"csrf_token": csrf_of(page)},
                       follow_redirects=False)
    assert done.headers["location"] == "/account/sessions?notice=devices-forgotten"
    sign_out(client)
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
