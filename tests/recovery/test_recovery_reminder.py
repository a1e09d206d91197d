"""The reminder 24 hours before the end: sent once, whoever runs the due-job how often."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.services.recovery_admin import send_due_reminders
from tests.conftest import PASSWORD, TotpAccount
from tests.recovery.helpers import CANCEL, ask_link, mails, start


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory()  # the default wait: 72 hours


def test_the_reminder_goes_out_once_24_hours_before_the_end(
        app: FastAPI, client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    services: Services = app.state.services
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    assert start(client, token, PASSWORD).status_code == 202
    assert send_due_reminders(services.rt) == 0
    clock.advance(hours=48, seconds=-1)
    assert send_due_reminders(services.rt) == 0
    clock.advance(seconds=1)
    assert send_due_reminders(services.rt) == 1
    assert send_due_reminders(services.rt) == 0
    reminders = mails(outbox, "recovery_reminder", made.account.email)
    assert len(reminders) == 1
    assert CANCEL.search(reminders[0])


def test_a_cancelled_recovery_gets_no_reminder(
        app: FastAPI, client: TestClient, clock: FixedClock, outbox: OutboxMailer,
        totp_factory: Callable[..., TotpAccount]) -> None:
    services: Services = app.state.services
    made = totp_factory()
    token = ask_link(client, outbox, made.account.email)
    start(client, token, PASSWORD)
    match = CANCEL.search(mails(outbox, "recovery_started", made.account.email)[0])
    assert match
    client.post("/api/v1/recovery/cancel", json={"token": match.group(0).split("=")[1]})
    clock.advance(hours=60)
    assert send_due_reminders(services.rt) == 0
