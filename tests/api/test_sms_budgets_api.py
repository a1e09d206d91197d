"""Send budgets against SMS pumping: per number, account and IP, and the circuit breaker."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from secondlock.config import Settings
from secondlock.core.clock import FixedClock
from secondlock.notifications.sms import OutboxSms
from tests.api.conftest import start_login
from tests.api.oob_helpers import (
    CODE,
    SmsAccount,
    send_code,
    sms_account_factory,
    sms_outbox,
)
from tests.conftest import MadeAccount


@pytest.fixture
def settings(settings_factory: Callable[..., Settings]) -> Settings:
    return settings_factory(sms_budget_number_hour=3, sms_budget_number_day=4,
                            sms_budget_account_hour=10, sms_budget_ip_hour=50,
                            sms_budget_global_hour=6, sms_countries="US,GB")


@pytest.fixture
def gateway(app: FastAPI) -> OutboxSms:
    return sms_outbox(app)


@pytest.fixture
def sms_factory(client: TestClient, gateway: OutboxSms, clock: FixedClock,
                account_factory: Callable[..., MadeAccount]) -> Callable[..., SmsAccount]:
    return sms_account_factory(client, gateway, clock, account_factory)


def test_per_number_budget_per_hour_and_day(client: TestClient, clock: FixedClock,
                                            gateway: OutboxSms,
                                            sms_factory: Callable[..., SmsAccount]) -> None:
    made = sms_factory()  # the enrollment text was number send 1
    for _ in range(2):
        token = start_login(client, made.account)
        assert send_code(client, token).status_code == 202
    refused = send_code(client, start_login(client, made.account))
    assert refused.status_code == 429
    assert "too many text messages" in refused.json()["detail"]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    # Deliver what is queued before the clock jumps an hour: a text whose code has expired
    # by then is dropped, not sent (and a busy machine's dispatcher may not have sent it yet).
    assert len(gateway.latest()) == 3
    clock.advance(hours=1)
    assert send_code(client, start_login(client, made.account)).status_code == 202  # day: 4th
    assert len(gateway.latest()) == 4
    clock.advance(hours=1)
    day = send_code(client, start_login(client, made.account))
    assert day.status_code == 429
    assert int(day.headers["Retry-After"]) > 3600
    assert len(gateway.latest()) == 4


def test_global_budget_trips_the_circuit_breaker_loudly(
        client: TestClient, gateway: OutboxSms, caplog: pytest.LogCaptureFixture,
        sms_factory: Callable[..., SmsAccount]) -> None:
    accounts = [sms_factory(f"+1201555012{i}") for i in range(3)]  # 3 texts
    for made in accounts:
        assert send_code(client, start_login(client, made.account)).status_code == 202  # 6 texts
    with caplog.at_level(logging.WARNING):
        tripped = send_code(client, start_login(client, accounts[0].account))
    assert tripped.status_code == 429
    assert "paused" in tripped.json()["detail"]
    breaker = [r for r in caplog.records if "CIRCUIT BREAKER" in r.getMessage()]
    assert breaker
    assert breaker[0].levelno == logging.CRITICAL
    assert len(gateway.latest()) == 6
    # No code, ever, in the log.
    codes = {CODE.search(sms.body).group(1) for sms in gateway.latest()}  # type: ignore[union-attr]
    assert not any(code in r.getMessage() for r in caplog.records for code in codes)


def test_country_allow_list(client: TestClient, gateway: OutboxSms,
                            account_factory: Callable[..., MadeAccount]) -> None:
    account = account_factory()
    refused = client.post("/api/v1/me/authenticators/sms", json={"phone": "+33612345678"},
                          headers=account.auth)
    assert refused.status_code == 422
    assert "country" in refused.json()["detail"]
    assert client.post("/api/v1/me/authenticators/sms", json={"phone": "+447400123456"},
                       headers=account.auth).status_code == 201
    assert [sms.to for sms in gateway.latest()] == ["+447400123456"]
