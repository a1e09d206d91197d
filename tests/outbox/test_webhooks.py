"""Webhooks: signed per Standard Webhooks (verified with the standardwebhooks package by a
real receiver on loopback), retried with the same webhook-id, never blocking anything else."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import RequestInfo
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services.outbox import emit_event, queue_email
from secondlock.services.outbox_dispatcher import Dispatcher
from secondlock.services.runtime import Runtime
from secondlock.services.webhooks import (
    add_endpoint,
    list_endpoints,
    parse_events,
    remove_endpoint,
)
from secondlock.storage.orm_outbox import OutboxMessage, WebhookEndpoint
from tests.outbox.conftest import deliver, mail
from tests.outbox.receiver import webhook_receiver

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


def emit(rt: Runtime, event_type: str = "mfa.enabled", **data: Any) -> list[str]:
    with rt.db.write() as s:
        ids = emit_event(rt, s, event_type, account_id="acc-1",
                         info=RequestInfo("203.0.113.9", FIREFOX), **data)
        s.commit()
    return ids


def test_a_delivery_verifies_with_the_standardwebhooks_package(rt: Runtime) -> None:
    with webhook_receiver() as receiver:
        added = add_endpoint(rt, receiver.url, [])
        assert added.secret.startswith("whsec_")
        [message_id] = emit(rt, "factor.added", factor_type="totp")
        deliver(Dispatcher(rt, mailer=OutboxMailer(echo=False)))
        [got] = receiver.wait(1)
    payload = Webhook(added.secret).verify(got.body, got.headers)
    assert got.headers["webhook-id"] == message_id
    assert payload["type"] == "factor.added"
    assert payload["data"] == {"account_id": "acc-1", "ip": "203.0.113.9",
                               "device": "Firefox on Linux", "factor_type": "totp"}
    assert payload["timestamp"].endswith("Z")
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB").verify(got.body, got.headers)


def test_the_secret_is_sealed_at_rest(rt: Runtime) -> None:
    added = add_endpoint(rt, "https://shop.example.com/hooks", [])
    with rt.db.read() as s:
        stored = s.get(WebhookEndpoint, added.id)
        assert stored is not None
        assert added.secret.encode() not in stored.secret_blob
        assert added.secret.removeprefix("whsec_").encode() not in stored.secret_blob


def test_retries_keep_the_same_webhook_id_after_500s_and_timeouts(
        make_rt: Callable[..., Runtime], clock: FixedClock) -> None:
    rt = make_rt(webhook_timeout_seconds=0.5)
    with webhook_receiver() as receiver:
        receiver.script = ["500", "sleep:1.5", "503", "200"]
        added = add_endpoint(rt, receiver.url, [])
        [message_id] = emit(rt, "password.changed")
        for _ in range(4):
            deliver(Dispatcher(rt, mailer=OutboxMailer(echo=False)))
            with rt.db.read() as s:
                current = s.get(OutboxMessage, message_id)
                assert current is not None
            clock.set(current.next_attempt_at)
        got = receiver.wait(4)
    with rt.db.read() as s:
        current = s.get(OutboxMessage, message_id)
    assert current is not None
    assert current.status == "sent"
    assert {g.headers["webhook-id"] for g in got} == {message_id}
    assert len({g.body for g in got}) == 1
    for delivery in got:
        Webhook(added.secret).verify(delivery.body, delivery.headers)
    [endpoint] = list_endpoints(rt)
    assert endpoint.status == "ok"


def test_webhooks_are_retried_for_at_least_a_day(rt: Runtime, clock: FixedClock) -> None:
    add_endpoint(rt, "http://127.0.0.1:9/nothing-listens-here", [])
    [message_id] = emit(rt)
    started = clock.now()
    with rt.db.read() as s:
        stored = s.get(OutboxMessage, message_id)
        assert stored is not None
        assert stored.give_up_after - started >= timedelta(hours=24)


def test_an_endpoint_failing_for_days_is_marked_failing_and_listed(
        make_rt: Callable[..., Runtime], clock: FixedClock,
        caplog: pytest.LogCaptureFixture) -> None:
    rt = make_rt(webhook_failing_days=1)
    add_endpoint(rt, "http://127.0.0.1:9/nothing-listens-here", [])
    emit(rt)
    deliver(Dispatcher(rt, mailer=OutboxMailer(echo=False)))
    assert list_endpoints(rt)[0].status == "errors"
    clock.advance(days=1, seconds=1)
    emit(rt, "mfa.disabled")
    deliver(Dispatcher(rt, mailer=OutboxMailer(echo=False)))
    [endpoint] = list_endpoints(rt)
    assert endpoint.status == "failing"
    assert endpoint.pending == 2
    assert "marked failing" in caplog.text


def test_events_filter_and_removed_endpoints_take_effect_at_once(rt: Runtime) -> None:
    with webhook_receiver() as receiver:
        picky = add_endpoint(rt, receiver.url + "/picky", parse_events("account.locked"))
        everything = add_endpoint(rt, receiver.url + "/all", [])
        assert len(emit(rt, "mfa.enabled")) == 1
        assert len(emit(rt, "account.locked")) == 2
        assert remove_endpoint(rt, everything.id)
        assert not remove_endpoint(rt, everything.id)
        deliver(Dispatcher(rt, mailer=OutboxMailer(echo=False)))
        got = receiver.wait(1)
        time.sleep(0.2)
    assert [json.loads(g.body)["type"] for g in got] == ["account.locked"]
    assert [e.id for e in list_endpoints(rt)] == [picky.id]


def test_unknown_events_and_secret_data_are_refused(rt: Runtime) -> None:
    with pytest.raises(ValueError, match="unknown event type"):
        parse_events("mfa.enabled,coffee.made")
    add_endpoint(rt, "https://shop.example.com/hooks", [])
    with rt.db.write() as s, pytest.raises(ValueError, match="must not carry"):
        emit_event(rt, s, "mfa.enabled", account_id="a", code="123456")


@pytest.mark.parametrize("url", ["http://shop.example.com/hooks", "ftp://127.0.0.1/x",
                                 "https://user:pw@shop.example.com/", "not a url"])
def test_only_https_except_loopback(rt: Runtime, url: str) -> None:
    with pytest.raises(ValueError, match="webhook URL"):
        add_endpoint(rt, url, [])


@pytest.mark.parametrize("url", ["http://localhost:8080/h", "http://127.0.0.1/h",
                                 "http://[::1]:9000/h", "https://shop.example.com/h"])
def test_https_and_loopback_urls_are_accepted(rt: Runtime, url: str) -> None:
    assert add_endpoint(rt, url, []).id.startswith("ep_")


def test_a_dead_endpoint_does_not_delay_mail_or_other_endpoints(
        make_rt: Callable[..., Runtime]) -> None:
    rt = make_rt(webhook_timeout_seconds=5, webhook_concurrency=1)
    mailer = OutboxMailer(echo=False)
    with webhook_receiver() as dead, webhook_receiver() as alive:
        dead.script = ["sleep:6"] * 10
        add_endpoint(rt, dead.url, [])
        add_endpoint(rt, alive.url, [])

        async def scenario() -> float:
            dispatcher = Dispatcher(rt, mailer=mailer, poll_seconds=0.2)
            rt.outbox_wake = dispatcher.wake
            await dispatcher.start()
            try:
                for _ in range(3):
                    await asyncio.to_thread(emit, rt, "sign_in.new_device")
                await asyncio.to_thread(dead.wait, 1)
                started = time.monotonic()

                def change() -> None:
                    with rt.db.write() as s:
                        queue_email(rt, s, mail())
                        s.commit()

                await asyncio.to_thread(change)
                while not mailer.latest():
                    await asyncio.sleep(0.01)
                took = time.monotonic() - started
                await asyncio.to_thread(alive.wait, 3)
                return took
            finally:
                await dispatcher.stop(timeout=0.1)

        took = asyncio.run(scenario())
    assert took < 1.0
    assert len(dead.received) == 1  # one in flight at a time for that endpoint
