"""An SMS code is single-use also when several requests race with it (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from secondlock.composition import read_through
from secondlock.core.clock import FixedClock
from secondlock.notifications.sms import OutboxSms
from secondlock.services import Services
from tests.conftest import PASSWORD
from tests.services.test_races import INFO

PHONE = "+12015550123"
RACERS = 8


def code_in(gateway: OutboxSms) -> str:
    match = re.search(r"\b(\d{6})\b", gateway.latest()[0].body)
    assert match
    return match.group(1)


def race(calls: list[object]) -> list[str]:
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call: object) -> None:
        barrier.wait()
        try:
            call()  # type: ignore[operator]
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def test_one_sms_code_raced_by_parallel_requests_succeeds_once(
        race_url: str, tmp_path: Path,
        clock_and_services: tuple[FixedClock, Services]) -> None:
    clock, services = clock_and_services
    gateway = OutboxSms(echo=False)
    services.rt.sms = gateway
    read_through(services.rt)
    services.accounts.sign_up("racer@example.com", PASSWORD, INFO, send_welcome=False)
    session = services.login.login("racer@example.com", PASSWORD, INFO).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    started = services.sms_email_codes.enroll_sms(view, PHONE, None, INFO)
    services.authenticators.confirm(view, started.id, code_in(gateway), INFO)
    clock.advance(seconds=60)

    # Sign-in: many requests with the same pending sign-in and the right code.
    pending = services.login.login("racer@example.com", PASSWORD, INFO).mfa_token
    assert pending is not None
    services.sms_email_codes.send_login_code(pending, "sms", INFO)
    code = code_in(gateway)
    outcomes = race([lambda: services.second_step.verify(pending, "sms", code, INFO)
                     for _ in range(RACERS)])
    assert outcomes.count("ok") == 1, outcomes

    # Confirm it's you: the code is bound to the session, raced without a sign-in to consume.
    view = services.sessions.authenticate(session.token)
    clock.advance(seconds=60)
    services.sms_email_codes.send_reauth_code(view, "sms", INFO)
    code = code_in(gateway)
    outcomes = race([lambda: services.reauth.reauth(view, INFO, method="sms", code=code)
                     for _ in range(RACERS)])
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) <= {"ok", "InvalidCodeError", "RateLimitedError"}
