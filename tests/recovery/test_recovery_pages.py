"""The recovery pages through TestClient: the link from the second step, the waiting page,
the wizard at the end, the cancel page, and the banner on every signed-in page."""

from __future__ import annotations

from fastapi.testclient import TestClient

from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from tests.conftest import PASSWORD
from tests.pages.helpers import csrf_of, enroll_app, page_login, page_signup, submit
from tests.recovery.helpers import (
    CANCEL,
    DELAY,
    LINK,
    ask_link,
    mails,
    start,
    status,
    token_of,
)

EMAIL = "lost.everything@example.com"


def test_from_the_second_step_to_a_new_factor(client: TestClient, clock: FixedClock,
                                              outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    client.cookies.clear()
    assert page_login(client, EMAIL, PASSWORD).headers["location"] == "/login/verify"
    second_step = client.get("/login/verify").text
    assert 'href="/recovery"' in second_step
    assert "Lost your phone and your recovery codes?" in second_step
    asked = submit(client, "/recovery", "/recovery", {"email": EMAIL})
    assert asked.status_code == 200
    assert "Check your email" in asked.text
    token = token_of(LINK.findall(mails(outbox, "recovery_link", EMAIL)[-1])[0])
    opened = client.get(f"/recovery/link?token={token}", follow_redirects=False)
    assert opened.headers["location"] == "/recovery/continue"
    assert opened.headers["referrer-policy"] == "no-referrer"
    form = client.get("/recovery/continue")
    assert "Start the recovery" in form.text
    wrong = client.post("/recovery/start", data={"password": "not my password at all",
                                                 "csrf_token": csrf_of(form.text)})
    assert wrong.status_code == 401
    started = client.post("/recovery/start", data={"password": PASSWORD,
                                                   "csrf_token": csrf_of(form.text)})
    assert started.status_code == 200
    assert "Your recovery is waiting" in started.text
    assert "The waiting period ends on" in started.text
    assert "This device has" in started.text
    early = client.post("/recovery/complete", data={"password": PASSWORD,
                                                    "csrf_token": csrf_of(started.text)})
    assert early.status_code == 409
    clock.advance(seconds=DELAY)
    ready = client.get("/recovery/continue")
    assert "Finish the recovery" in ready.text
    done = client.post("/recovery/complete", data={"password": PASSWORD,
                                                   "csrf_token": csrf_of(ready.text)},
                       follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == "/account/security/totp?notice=recovered"
    wizard = client.get(done.headers["location"])
    assert wizard.status_code == 200
    assert "You are back in" in wizard.text
    assert status(client, token) == "completed"


def test_every_signed_in_page_shows_a_pending_recovery(client: TestClient, clock: FixedClock,
                                                      outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)  # this browser stays signed in
    assert "A recovery of this account is under way" not in client.get("/account").text
    token = ask_link(client, outbox, EMAIL)
    start(client, token, PASSWORD)
    for path in ("/account", "/account/security", "/account/activity", "/account/sessions"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert "A recovery of this account is under way" in page.text, path


def test_the_cancel_page_from_a_notice_stops_it(client: TestClient, clock: FixedClock,
                                               outbox: OutboxMailer) -> None:
    page_signup(client, EMAIL, PASSWORD)
    enroll_app(client, clock)
    client.cookies.clear()
    token = ask_link(client, outbox, EMAIL)
    start(client, token, PASSWORD)
    match = CANCEL.search(mails(outbox, "recovery_started", EMAIL)[0])
    assert match
    page = client.get(match.group(0).removeprefix("http://localhost:8000"))
    assert page.status_code == 200
    assert status(client, token) == "waiting"  # opening the link changes nothing
    stopped = client.post("/recovery/cancel", data={"token": token_of(match.group(0)),
                                                    "csrf_token": csrf_of(page.text)})
    assert stopped.status_code == 200
    assert "The recovery is stopped" in stopped.text
    assert status(client, token) == "cancelled"
