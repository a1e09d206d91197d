"""Pages for SMS and email codes, without JS: add a phone, sign in, resend, confirm it's you."""

from __future__ import annotations

import re
import time

import httpx2 as httpx  # what starlette.testclient answers with
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.notifications.sms import OutboxSms, WebhookSms
from tests.api.oob_helpers import last_mail_code, last_sms_code, sms_outbox, wrong
from tests.conftest import PASSWORD
from tests.notifications.sms_server import FakeGateway, sms_server
from tests.pages.helpers import audit, csrf_of, enroll_app, page_login, page_signup, submit

__all__ = ["sms_server"]

EMAIL = "ada@example.com"


@pytest.fixture
def gateway(app: FastAPI) -> OutboxSms:
    return sms_outbox(app)


def add_phone(client: TestClient, gateway: OutboxSms) -> httpx.Response:
    page_signup(client, EMAIL, PASSWORD)
    started = submit(client, "/account/security/phone", "/account/security/phone",
                     {"phone": "+1 201 555 0123", "name": ""})
    assert started.status_code == 200, started.text
    assert "\u2022\u2022\u2022 0123" in started.text
    return client.post("/account/security/factor/confirm", data={
        "authenticator_id": re.search(r'name="authenticator_id" value="([^"]+)"',
                                      started.text).group(1),  # type: ignore[union-attr]
        "method": "sms", "code": last_sms_code(gateway),
        "csrf_token": csrf_of(started.text)}, follow_redirects=False)


def test_adding_a_phone_turns_2fa_on_and_the_security_page_recommends_more(
        client: TestClient, gateway: OutboxSms) -> None:
    done = add_phone(client, gateway)
    assert done.status_code == 200
    assert "Save your recovery codes" in done.text
    assert "Your only second factor is a phone." in client.get("/account/security").text
    page = client.get("/account/security/sms-email")
    assert "Your only second factor is a phone." in page.text
    assert "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0123" in page.text
    assert "2015550123" not in page.text
    found = audit(page.text)
    assert found.unlabelled() == []
    assert found.inline_scripts == 0


def test_invalid_phone_gets_a_friendly_page(client: TestClient, gateway: OutboxSms) -> None:
    page_signup(client, EMAIL, PASSWORD)
    bad = submit(client, "/account/security/phone", "/account/security/phone",
                 {"phone": "12", "name": ""})
    assert bad.status_code == 422
    assert "country code" in bad.text
    assert 'aria-invalid="true"' in bad.text
    assert not gateway.latest()


def test_sign_in_by_text_without_js_and_an_early_resend_is_refused_politely(
        client: TestClient, gateway: OutboxSms, clock: FixedClock) -> None:
    add_phone(client, gateway)
    clock.advance(seconds=60)
    client.cookies.clear()
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    step = client.get("/login/verify")
    assert "Text me a code" in step.text
    assert "+1 \u2022\u2022\u2022 \u2022\u2022\u2022 0123" in step.text
    assert not audit(step.text).inline_scripts
    sent = client.post("/login/verify/send", data={"method": "sms",
                                                   "csrf_token": csrf_of(step.text)},
                       follow_redirects=False)
    assert sent.headers["location"] == "/login/verify?method=sms"
    page = client.get("/login/verify?method=sms")
    assert "You can ask for a new code in 30 seconds" in page.text
    assert 'data-resend-in="30"' in page.text
    assert "/static/oob.js" in page.text
    early = client.post("/login/verify/send", data={"method": "sms",
                                                    "csrf_token": csrf_of(page.text)})
    assert early.status_code == 429
    assert early.headers["Retry-After"] == "30"
    assert "new one in 30 seconds" in early.text
    code = last_sms_code(gateway)
    wrong_try = client.post("/login/verify", data={"method": "sms", "code": wrong(code),
                                                   "csrf_token": csrf_of(page.text)})
    assert wrong_try.status_code == 401
    assert "newest" in wrong_try.text
    done = client.post("/login/verify", data={"method": "sms", "code": code,
                                              "csrf_token": csrf_of(page.text)},
                       follow_redirects=False)
    assert done.headers["location"] == "/account"


def test_confirm_its_you_by_text_for_a_phone_only_account(
        client: TestClient, gateway: OutboxSms, clock: FixedClock) -> None:
    add_phone(client, gateway)
    clock.advance(minutes=11)
    page = client.get("/account/confirm?next=/account/security")
    assert page.status_code == 200
    assert "Text me a code" in page.text
    sent = client.post("/account/confirm/send", data={
        "method": "sms", "next": "/account/security", "csrf_token": csrf_of(page.text)},
        follow_redirects=False)
    assert sent.status_code == 303
    form = client.get(sent.headers["location"])
    assert "6-digit code from the text message" in form.text
    done = client.post("/account/confirm", data={
        "method": "sms", "code": last_sms_code(gateway), "next": "/account/security",
        "csrf_token": csrf_of(form.text)}, follow_redirects=False)
    assert done.headers["location"] == "/account/security?notice=confirmed"


def test_adding_an_email_address_as_a_backup(client: TestClient, gateway: OutboxSms,
                                             outbox: OutboxMailer, app: FastAPI) -> None:
    add_phone(client, gateway)
    form = client.get("/account/security/email")
    assert "mailbox" in form.text
    assert f'value="{EMAIL}"' in form.text  # the account's own address by default
    started = client.post("/account/security/email", data={
        "email": EMAIL, "name": "", "csrf_token": csrf_of(form.text)})
    assert started.status_code == 200, started.text
    assert "a\u2022\u2022\u2022@example.com" in started.text
    factor_id = re.search(r'name="authenticator_id" value="([^"]+)"', started.text)
    assert factor_id
    done = client.post("/account/security/factor/confirm", data={
        "authenticator_id": factor_id.group(1), "method": "email",
        "code": last_mail_code(outbox, EMAIL), "csrf_token": csrf_of(started.text)},
        follow_redirects=False)
    assert done.headers["location"] == "/account/security?notice=factor-added"
    page = client.get("/account/security")
    assert "Your only second factor" in page.text  # still only weak ones
    assert "Codes by text message or email" in page.text


def test_dev_outbox_lists_text_messages(client: TestClient, gateway: OutboxSms) -> None:
    add_phone(client, gateway)
    page = client.get("/dev/outbox")
    assert "Text messages" in page.text
    assert "+12015550123" in page.text


def test_a_phone_next_to_an_app_is_offered_as_another_way(
        client: TestClient, gateway: OutboxSms, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    started = submit(client, "/account/security/phone", "/account/security/phone",
                     {"phone": "+1 201 555 0123", "name": "Backup phone"})
    factor = re.search(r'name="authenticator_id" value="([^"]+)"', started.text)
    assert factor
    added = client.post("/account/security/factor/confirm", data={
        "authenticator_id": factor.group(1), "method": "sms", "code": last_sms_code(gateway),
        "csrf_token": csrf_of(started.text)}, follow_redirects=False)
    assert added.headers["location"] == "/account/security?notice=factor-added"
    security = client.get("/account/security")
    assert "Your only second factor" not in security.text
    assert "Backup phone" in security.text
    clock.advance(minutes=11)
    confirm = client.get("/account/confirm?next=/account/security")
    assert "6-digit code from your authenticator app" in confirm.text  # the app first
    assert "Get a code by text message instead" in confirm.text
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    step = client.get("/login/verify")
    assert "authenticator app" in step.text
    assert 'href="/login/verify?method=sms"' in step.text


def test_asking_for_a_method_the_account_lacks_falls_back(
        client: TestClient, gateway: OutboxSms, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    # Without a phone the sms page sends back to a method the account has.
    response = client.get("/login/verify?method=sms", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login/verify?method=totp"


def test_with_an_app_and_a_phone_the_security_page_counts_both(
        client: TestClient, gateway: OutboxSms, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    before = client.get("/account/security/apps").text
    assert "removing it turns two-factor authentication off" in before  # the app alone
    started = submit(client, "/account/security/phone", "/account/security/phone",
                     {"phone": "+1 201 555 0123", "name": "Backup phone"})
    factor = re.search(r'name="authenticator_id" value="([^"]+)"', started.text)
    assert factor
    client.post("/account/security/factor/confirm", data={
        "authenticator_id": factor.group(1), "method": "sms", "code": last_sms_code(gateway),
        "csrf_token": csrf_of(started.text)}, follow_redirects=False)
    page = client.get("/account/security/apps").text
    assert "removing it turns two-factor authentication off" not in page
    assert "This is your only" not in page
    rows = re.findall(r'<li class="overview__row".*?</li>', client.get("/account/security").text,
                      re.S)
    # One row per method, each saying what the shopper has there (or that it is not set up).
    assert "iPhone" in rows[0]
    assert "Not set up" in rows[1]  # no security key
    assert "Backup phone" in rows[2]
    assert "10 of 10 left" in rows[3]


def test_a_text_the_gateway_refused_is_shown_and_a_new_code_may_be_asked_at_once(
        client: TestClient, app: FastAPI, gateway: OutboxSms, clock: FixedClock,
        sms_server: FakeGateway) -> None:
    add_phone(client, gateway)
    clock.advance(seconds=60)
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    step = client.get("/login/verify")
    real = WebhookSms(f"{sms_server.base_url}/sms", retry_delays=())
    app.state.services.rt.sms = real  # the loopback gateway, refusing the first text
    sms_server.fail_with = [500]
    try:
        client.post("/login/verify/send", data={"method": "sms",
                                                 "csrf_token": csrf_of(step.text)})
        sms_server.wait_for(1)
        deadline = time.monotonic() + 10
        page = client.get("/login/verify?method=sms")
        while "We could not send the code" not in page.text and time.monotonic() < deadline:
            time.sleep(0.02)
            page = client.get("/login/verify?method=sms")
        assert "We could not send the text message right now" in page.text
        assert 'data-resend-in="0"' in page.text
        again = client.post("/login/verify/send", data={"method": "sms",
                                                        "csrf_token": csrf_of(page.text)},
                            follow_redirects=False)
        assert again.headers["location"] == "/login/verify?method=sms"
        sms_server.wait_for(2)
        assert "We sent a text message" in client.get("/login/verify?method=sms").text
    finally:
        real.close()
