"""The second sign-in step (/login/verify): the pending-sign-in cookie, codes and help."""

from __future__ import annotations

from collections.abc import Callable

import httpx2 as httpx  # what starlette.testclient answers with
import pytest
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.core.totp import code_at
from secondlock.notifications.outbox import OutboxMailer
from secondlock.storage.db import Database
from secondlock.web.app import create_app
from tests.conftest import PASSWORD
from tests.pages.helpers import Enrolled, audit, csrf_of, enroll_app, page_login, page_signup

EMAIL = "ada@example.com"


def set_cookie(response: httpx.Response, name: str) -> str:
    found = [c for c in response.headers.get_list("set-cookie") if c.startswith(name + "=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0].lower()


def two_factor_account(client: TestClient, clock: FixedClock) -> Enrolled:
    """An account with an app, signed out again."""
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    assert len(enrolled.codes) == 10
    client.cookies.clear()
    return enrolled


def second_step(client: TestClient, method: str, code: str) -> httpx.Response:
    page = client.get("/login/verify" + ("?method=recovery_code"
                                         if method == "recovery_code" else ""))
    assert page.status_code == 200, page.text
    return client.post("/login/verify", data={"method": method, "code": code,
                                              "csrf_token": csrf_of(page.text)},
                       follow_redirects=False)


def test_password_alone_lands_on_the_second_step_not_the_account(
        client: TestClient, clock: FixedClock) -> None:
    two_factor_account(client, clock)
    response = page_login(client, EMAIL, PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/login/verify"  # no token in the URL
    cookie = set_cookie(response, "secondlock_mfa")
    for part in ("httponly", "samesite=lax", "path=/", "max-age=300"):
        assert part in cookie
    assert "secure" not in cookie  # plain http on localhost
    assert not any(c.startswith("secondlock_session=")
                   for c in response.headers.get_list("set-cookie"))
    # The pending sign-in opens nothing but the second step.
    for path in ("/account", "/account/security", "/account/sessions"):
        assert client.get(path, follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/login/verify")
    assert page.status_code == 200
    found = audit(page.text)
    assert found.unlabelled() == []
    assert found.inline_styles == 0
    assert 'inputmode="numeric"' in page.text
    assert 'autocomplete="one-time-code"' in page.text
    assert "Use a recovery code" in page.text
    assert "Lost your phone?" in page.text
    assert "customer support" in page.text


def test_mfa_cookie_over_https_is_secure_with_the_host_prefix(
        settings_factory: Callable[..., Settings], clock: FixedClock, outbox: OutboxMailer,
        database: Database) -> None:
    settings = settings_factory(origin="https://localhost")
    app = create_app(settings, clock=clock, mailer=outbox, database=database)
    with TestClient(app, base_url="https://localhost") as client:
        enrolled = two_factor_account(client, clock)
        response = page_login(client, EMAIL, PASSWORD)
        cookie = set_cookie(response, "__Host-secondlock_mfa")
        for part in ("secure", "httponly", "samesite=lax", "path=/", "max-age=300"):
            assert part in cookie
        assert "domain=" not in cookie
        done = second_step(client, "totp", code_at(enrolled.secret, clock.now()))
        assert done.headers["location"] == "/account"
        assert "max-age=0" in set_cookie(done, "__Host-secondlock_mfa")
        assert client.get("/account").status_code == 200


def test_wrong_code_explains_clock_sync_then_the_right_code_signs_in(
        client: TestClient, clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    wrong = second_step(client, "totp", "000000")
    assert wrong.status_code == 401
    assert 'role="alert"' in wrong.text
    assert "That code did not work" in wrong.text
    assert "every 30 seconds" in wrong.text
    assert "automatic" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    right = second_step(client, "totp", code_at(enrolled.secret, clock.now()))
    assert right.status_code == 303
    assert right.headers["location"] == "/account"
    assert set_cookie(right, "secondlock_session")
    assert "max-age=0" in set_cookie(right, "secondlock_mfa")
    account = client.get("/account")
    assert account.status_code == 200
    assert EMAIL in account.text
    # The same code again (a fresh pending sign-in) is a replay and is refused.
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    assert second_step(client, "totp", code_at(enrolled.secret, clock.now())).status_code == 401


def test_recovery_code_signs_in_and_nudges_when_few_are_left(
        client: TestClient, clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    form = client.get("/login/verify?method=recovery_code")
    assert 'autocomplete="one-time-code"' in form.text
    assert "Recovery code" in form.text
    assert "Use your authenticator app" in form.text
    done = second_step(client, "recovery_code", enrolled.codes[0].upper())
    assert done.headers["location"] == "/account?notice=recovery-code-used"
    page = client.get(done.headers["location"])
    assert "That code is used up now" in page.text
    assert "recovery codes left" not in page.text  # nine left: no nudge yet
    for code in enrolled.codes[1:7]:
        client.cookies.clear()
        page_login(client, EMAIL, PASSWORD)
        assert second_step(client, "recovery_code", code).status_code == 303
    page = client.get("/account")
    assert "You have 3 recovery codes left." in page.text
    assert 'href="/account/security"' in page.text
    assert "Running low" in client.get("/account/security").text
    security = client.get("/account/security/recovery-codes")
    assert "You have 3 recovery codes left." in security.text
    assert "Make new codes" in security.text
    # A used code does not work twice.
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    again = second_step(client, "recovery_code", enrolled.codes[0])
    assert again.status_code == 401
    assert "works only once" in again.text


def test_expired_pending_sign_in_goes_back_to_login(client: TestClient,
                                                    clock: FixedClock) -> None:
    enrolled = two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/login/verify")
    clock.advance(minutes=6)
    response = client.post("/login/verify", data={
        "method": "totp", "code": code_at(enrolled.secret, clock.now()),
        "csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert response.headers["location"] == "/login?notice=mfa-expired"
    assert "max-age=0" in set_cookie(response, "secondlock_mfa")
    login = client.get(response.headers["location"])
    assert 'role="alert"' in login.text
    assert "took too long" in login.text
    # Without the cookie at all (it expired in the browser) the page sends people back too.
    client.cookies.clear()
    assert client.get("/login/verify", follow_redirects=False).headers["location"] == \
        "/login?notice=mfa-expired"


def test_forged_or_missing_token_and_csrf(client: TestClient, clock: FixedClock) -> None:
    two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    page = client.get("/login/verify")
    refused = client.post("/login/verify", data={"method": "totp", "code": "123456"},
                          follow_redirects=False)
    assert refused.status_code == 403
    assert "could not be accepted" in refused.text
    client.cookies.delete("secondlock_mfa")
    client.cookies.set("secondlock_mfa", "forged.totp", domain="localhost.local")
    forged = client.post("/login/verify", data={"method": "totp", "code": "123456",
                                                "csrf_token": csrf_of(page.text)},
                         follow_redirects=False)
    assert forged.headers["location"] == "/login?notice=mfa-expired"


def test_too_many_wrong_codes_say_how_long_to_wait(client: TestClient,
                                                   clock: FixedClock) -> None:
    two_factor_account(client, clock)
    page_login(client, EMAIL, PASSWORD)
    statuses = [second_step(client, "totp", "000000").status_code for _ in range(10)]
    assert statuses == [401] * 10
    locked = second_step(client, "totp", "000000")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert 'role="alert"' in locked.text
    assert "Wait 15 minutes" in locked.text


def test_signed_in_visitors_skip_the_second_step(client: TestClient) -> None:
    page_signup(client, EMAIL, PASSWORD)
    assert client.get("/login/verify", follow_redirects=False).headers["location"] == "/account"


@pytest.mark.parametrize("cookie", ["", "x" * 600, "."])
def test_odd_mfa_cookies_never_fail(client: TestClient, cookie: str) -> None:
    client.cookies.set("secondlock_mfa", cookie)
    response = client.get("/login/verify", follow_redirects=False)
    assert response.status_code == 303


def test_the_code_that_just_added_the_app_is_refused_as_used_not_as_a_clock_problem(
        client: TestClient, clock: FixedClock) -> None:
    """"Test your setup" straight after adding the app: the app still shows the code that
    confirmed it. That is a replay, and the page says to wait for the next code."""
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    clock.advance(seconds=-30)  # back to the step whose code confirmed the app
    client.cookies.clear()
    page_login(client, EMAIL, PASSWORD)
    used = second_step(client, "totp", code_at(enrolled.secret, clock.now()))
    assert used.status_code == 401
    alert = used.text.split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert "That code was already used" in alert
    assert "wait until your app shows a new code" in alert
    assert "time on your phone" not in alert  # not the clock's fault
    assert "automatic" not in alert
    wrong = second_step(client, "totp", "000000" if code_at(enrolled.secret, clock.now())
                        != "000000" else "111111")
    assert "That code did not work" in wrong.text
    assert "already used" not in wrong.text
    clock.advance(seconds=30)
    assert second_step(client, "totp", code_at(enrolled.secret, clock.now())).status_code \
        == 303


def test_the_api_names_a_replayed_app_code_code_used(
        client: TestClient, clock: FixedClock) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enrolled = enroll_app(client, clock)
    clock.advance(seconds=-30)
    client.cookies.clear()
    login = client.post("/api/v1/login", json={"email": EMAIL, "password": PASSWORD})
    token = login.json()["mfa_token"]
    used = client.post("/api/v1/login/verify", json={
        "mfa_token": token, "method": "totp", "code": code_at(enrolled.secret, clock.now())})
    assert used.status_code == 401
    assert used.json()["code"] == "code_used"
