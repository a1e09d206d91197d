"""Small things around the security pages that made them feel unfinished (issue #12, item
14): what the code page says before sending, the added-factor mail's subject, German
leftovers, plurals and the dev outbox's links. The visual ones are in
test_browser_security.py (Chromium at 390 px)."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms
from tests.api.oob_helpers import last_mail_code, last_sms_code, sms_outbox
from tests.api.test_sign_in_alerts_api import SAFARI_IPHONE
from tests.conftest import PASSWORD
from tests.pages.helpers import csrf_of, enroll_app, page_login, page_signup, submit

EMAIL = "touches@example.com"
GERMAN = {"Accept-Language": "de"}


def add_phone(client: TestClient, gateway: OutboxSms, name: str = "") -> None:
    started = submit(client, "/account/security/phone", "/account/security/phone",
                     {"phone": "+1 201 555 0123", "name": name})
    factor = re.search(r'name="authenticator_id" value="([^"]+)"', started.text)
    assert factor, started.text
    done = client.post("/account/security/factor/confirm", data={
        "authenticator_id": factor.group(1), "method": "sms", "code": last_sms_code(gateway),
        "csrf_token": csrf_of(started.text)}, follow_redirects=False)
    assert done.status_code in (200, 303), done.text


def add_address(client: TestClient, outbox: OutboxMailer, address: str) -> None:
    started = submit(client, "/account/security/email", "/account/security/email",
                     {"email": address, "name": ""})
    factor = re.search(r'name="authenticator_id" value="([^"]+)"', started.text)
    assert factor, started.text
    client.post("/account/security/factor/confirm", data={
        "authenticator_id": factor.group(1), "method": "email",
        "code": last_mail_code(outbox, address), "csrf_token": csrf_of(started.text)},
        follow_redirects=False)


def test_before_a_code_is_sent_the_page_says_what_will_happen(
        client: TestClient, app: FastAPI, clock: FixedClock) -> None:
    gateway = sms_outbox(app)
    page_signup(client, EMAIL, PASSWORD)
    add_phone(client, gateway)
    clock.advance(seconds=60)
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    before = client.get("/login/verify?method=sms").text
    assert "We will send a 6-digit code by text message to" in before
    assert "Now we send" not in before
    client.post("/login/verify/send", data={"method": "sms", "csrf_token": csrf_of(before)})
    after = client.get("/login/verify?method=sms").text
    assert "We sent a text message with a 6-digit code to" in after  # and only now
    assert "We will send" not in after


def test_the_added_factor_mail_names_the_kind_that_was_added(
        client: TestClient, app: FastAPI, clock: FixedClock, outbox: OutboxMailer) -> None:
    gateway = sms_outbox(app)
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock, name="iPhone")
    enroll_app(client, clock, name="iPad")  # a second app: the "added" mail, not "is on"
    add_phone(client, gateway, name="Work phone")
    add_address(client, outbox, "backup@example.com")
    subjects = [sent.message.subject for sent in outbox.latest()
                if sent.message.kind == "authenticator_added"]
    assert any(s.endswith("authenticator app added") for s in subjects), subjects
    assert any(s.endswith("phone for codes added") for s in subjects), subjects
    assert any(s.endswith("email address for codes added") for s in subjects), subjects
    assert not any(s.endswith(": authenticator added") for s in subjects), subjects


def test_german_pages_translate_devices_default_names_and_the_review_button(
        client: TestClient, outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    client.headers["User-Agent"] = SAFARI_IPHONE
    page_login(client, EMAIL, PASSWORD)  # a sign-in from a new device
    client.headers.update(GERMAN)
    checkup = client.get("/account/checkup").text
    assert "Mobile Safari unter iOS (iPhone)" in checkup
    assert " on iOS" not in checkup
    assert "1 Anmeldung von einem neuen Gerät" in checkup  # one sign-in: singular
    assert "Ja, das war alles ich" not in checkup
    assert "Ja, das war jedes Mal ich" in checkup
    add_address(client, outbox, "backup@example.com")  # no name given: the default name
    for path in ("/account/security", "/account/security/sms-email"):
        page = client.get(path).text
        assert "E-Mail" in page
        assert not re.search(r">\s*Email\b|\bEmail\s*<|Email,", page), path


def test_an_english_sign_in_from_one_new_device_is_singular(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    client.cookies.clear()
    client.headers["User-Agent"] = SAFARI_IPHONE
    page_login(client, EMAIL, PASSWORD)
    checkup = client.get("/account/checkup").text
    assert "1 sign-in from a new device" in checkup
    assert "1 sign-ins" not in checkup


def test_the_dev_outbox_shows_each_link_of_a_mail_once_with_its_own_name(
        client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)  # "two-factor authentication is on": more than one link
    html = client.get("/dev/outbox").text
    mails = re.findall(r'<article class="panel mail">.*?</article>', html, re.S)
    assert mails
    for mail in mails:
        links = re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', mail, re.S)
        hrefs = [href for href, _ in links]
        names = [name for _, name in links]
        assert len(hrefs) == len(set(hrefs)), mail
        assert len(names) == len(set(names)), mail
