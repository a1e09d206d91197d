"""The dispatcher: every running server sends what the outbox holds (issue #13).

It claims due rows with a lease (``Outbox.claim``; 30 s for mail, 45 s for texts, the
webhook timeout and 20 s for webhooks), sends each through the mailer, the SMS
gateway or the webhook sender, and marks it sent. A failure backs off (5 s, 15 s, 45 s, ...
capped at an hour) until the row's retry window ends, then it counts as failed. A node that
dies mid-send leaves a lease that runs out, and another node (or the restarted one) sends
the row. A code whose expiry passed is dropped, not sent.

Deliveries run in lanes with their own concurrency limits (mail, texts, and one per webhook
endpoint), so a slow or dead endpoint never delays mail or the other endpoints; a lane that
is full is simply not claimed for. An enqueue in this process wakes the dispatcher at once
(``wake``); rows written by other nodes are found by polling.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from secondlock.core.crypto import DecryptionError
from secondlock.notifications.base import DeliveryError, Mailer
from secondlock.notifications.sms import SmsGateway
from secondlock.notifications.webhooks import WebhookSender
from secondlock.services.outbox import email_of, open_payload
from secondlock.services.runtime import Runtime
from secondlock.services.webhooks import endpoint_secret
from secondlock.storage.repositories.outbox import Outbox, WebhookEndpoints, lane_of

logger = logging.getLogger(__name__)

#: Back-off after the n-th failure: 5 s, 15 s, 45 s, 2¼ min, ~7 min, ~20 min, then hourly.
FIRST_RETRY_SECONDS = 5.0
BACKOFF_FACTOR = 3.0
MAX_RETRY_SECONDS = 3600.0


def retry_delay(failures: int) -> float:
    """Seconds to wait after the ``failures``-th failed attempt (1-based), with a little jitter
    so many nodes don't retry in step; never longer than the cap."""
    base = min(FIRST_RETRY_SECONDS * BACKOFF_FACTOR ** max(failures - 1, 0), MAX_RETRY_SECONDS)
    return base * random.uniform(0.8, 1.0)


@dataclass(frozen=True)
class Claimed:
    id: str
    channel: str
    kind: str
    lane: str
    attempts: int
    give_up_after: datetime
    payload: dict[str, Any]
    endpoint_id: str | None = None
    url: str = ""
    secret: str = ""


#: Called with (channel, outcome) for every attempt: outcome is sent, retry, failed, dropped.
ResultHook = Callable[[str, str], None]


class Dispatcher:
    def __init__(self, rt: Runtime, *, mailer: Mailer | None = None,
                 sms: SmsGateway | None = None,
                 webhooks: WebhookSender | None = None, poll_seconds: float = 2.0,
                 lease_seconds: float | None = None, batch: int = 50, mail_concurrency: int = 4,
                 sms_concurrency: int = 4, on_result: ResultHook | None = None) -> None:
        self.rt = rt
        self.mailer = mailer if mailer is not None else rt.mailer
        self._sms = sms
        self.webhooks = webhooks or WebhookSender(timeout=rt.settings.webhook_timeout_seconds)
        self.poll_seconds = poll_seconds
        # Longer than the slowest send of each channel (SMTP 10 s, an SMS gateway with its
        # retries, a webhook's timeout), short enough that a dead node's rows go out soon.
        webhook = rt.settings.webhook_timeout_seconds + 20
        self.lease: dict[str, timedelta] = {
            channel: timedelta(seconds=lease_seconds or default)
            for channel, default in (("email", 30.0), ("sms", 45.0), ("webhook", webhook))}
        self.batch = batch
        self.node = f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"
        self._limits = {"email": mail_concurrency, "sms": sms_concurrency}
        self._webhook_limit = rt.settings.webhook_concurrency
        self._busy: dict[str, int] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self.on_result = on_result

    @property
    def sms(self) -> SmsGateway:
        """The gateway given, else the runtime's (read at each send: it may be replaced)."""
        return self._sms if self._sms is not None else self.rt.sms

    # -- life cycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        self._stopping = False
        self._runner = self._loop.create_task(self._run(), name="secondlock-outbox")

    def wake(self) -> None:
        """Thread-safe: look for due rows now (called after a commit that queued some)."""
        loop, wakeup = self._loop, self._event
        if loop is None or wakeup is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed in between
            loop.call_soon_threadsafe(wakeup.set)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, give deliveries in flight ``timeout`` seconds, then cancel them
        (their leases run out and another node sends them)."""
        self._stopping = True
        if self._event is not None:
            self._event.set()
        if self._runner is not None:
            await asyncio.gather(self._runner, return_exceptions=True)
            self._runner = None
        await self.drain(timeout)
        for task in list(self._in_flight):
            task.cancel()
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        await self.webhooks.close()
        self._loop = None

    async def drain(self, timeout: float = 10.0) -> None:
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=timeout)

    async def _run(self) -> None:
        assert self._event is not None
        while not self._stopping:
            self._event.clear()
            try:
                claimed = await self.run_once()
            except Exception:
                logger.exception("outbox dispatcher: claiming failed; trying again shortly")
                claimed = 0
            if self._stopping:
                break
            if claimed >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), timeout=self.poll_seconds)

    # -- one round -------------------------------------------------------------------------
    def _slots(self) -> dict[str, int]:
        slots = {lane: limit - self._busy.get(lane, 0) for lane, limit in self._limits.items()}
        for lane, busy in self._busy.items():
            if lane.startswith("webhook:"):
                slots[lane] = self._webhook_limit - busy
        return slots

    async def run_once(self) -> int:
        """Claim what is due and start sending it; returns how many rows were claimed."""
        slots = self._slots()
        rows = await asyncio.to_thread(self._claim, slots)
        for row in rows:
            self._busy[row.lane] = self._busy.get(row.lane, 0) + 1
            task = asyncio.get_running_loop().create_task(self._deliver(row))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(rows)

    async def deliver_due(self, timeout: float = 30.0) -> int:
        """Send everything due now and wait for it (the CLI, tests). Returns rows claimed."""
        total = 0
        while True:
            claimed = await self.run_once()
            total += claimed
            await self.drain(timeout)
            if claimed == 0:
                return total

    def deliver_now(self, timeout: float = 10.0) -> None:
        """Blocking, from a thread with no running event loop (the dev outbox page, tests,
        the CLI): send what is due and wait until no due row is left, also rows another
        dispatcher is sending right now. Rows waiting for a retry are left alone."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            asyncio.run(self._deliver_now(timeout))

    async def _deliver_now(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        try:
            while True:
                await self.deliver_due(timeout)
                if not await asyncio.to_thread(self._anything_due) \
                        or time.monotonic() > deadline:
                    return
                await asyncio.sleep(0.01)
        finally:
            await self.webhooks.close()

    def _anything_due(self) -> bool:
        with self.rt.db.read() as s:
            return Outbox(s).any_due(self.rt.clock.now(), claimed_too=True)

    def _claim(self, slots: dict[str, int]) -> list[Claimed]:
        rt = self.rt
        now = rt.clock.now()
        with rt.db.read() as s:
            if not Outbox(s).any_due(now):
                return []
        claimed: list[Claimed] = []
        dropped = 0
        with rt.db.write() as s:
            outbox = Outbox(s)
            endpoints = WebhookEndpoints(s)
            rows = outbox.claim(now=now, node=self.node, lease=self.lease, slots=slots,
                                default_slots=self._webhook_limit, limit=self.batch)
            for row in rows:
                if row.not_after is not None and row.not_after <= now:
                    outbox.mark_dropped(row.id, self.node, now, "expired before delivery")
                    logger.info("outbox dropped id=%s channel=%s kind=%s: expired before "
                                "delivery", row.id, row.channel, row.kind)
                    self._result(row.channel, "dropped")
                    dropped += 1
                    continue
                try:
                    payload = open_payload(rt.keyring, row)
                except DecryptionError:
                    outbox.mark_failed(row.id, self.node, "payload does not open with the "
                                       "keyring (was a key removed?)")
                    logger.error("outbox id=%s: payload does not open with the keyring",
                                 row.id)
                    self._result(row.channel, "failed")
                    continue
                item = Claimed(id=row.id, channel=row.channel, kind=row.kind,
                               lane=lane_of(row), attempts=row.attempts,
                               give_up_after=row.give_up_after, payload=payload,
                               endpoint_id=row.endpoint_id)
                if row.channel == "webhook":
                    endpoint = endpoints.get(row.endpoint_id or "")
                    if endpoint is None:
                        outbox.mark_dropped(row.id, self.node, now, "endpoint removed")
                        self._result(row.channel, "dropped")
                        continue
                    item = Claimed(**{**item.__dict__, "url": endpoint.url,
                                      "secret": endpoint_secret(rt, endpoint)})
                claimed.append(item)
            s.commit()
        return claimed

    async def _deliver(self, item: Claimed) -> None:
        error: str | None = None
        try:
            if item.channel == "email":
                await self.mailer.send(email_of(item.payload))
            elif item.channel == "sms":
                await asyncio.to_thread(self.sms.send_sms, item.payload["to"],
                                        item.payload["body"])
            elif item.channel == "webhook":
                await self.webhooks.send(url=item.url, secret=item.secret,
                                         message_id=item.id, body=item.payload["body"],
                                         now=datetime.now(UTC))
            else:
                error = f"unknown channel {item.channel}"
        except DeliveryError as exc:
            error = str(exc)
        except asyncio.CancelledError:
            self._release(item)
            raise
        except Exception as exc:
            error = f"{type(exc).__name__}"
            logger.exception("outbox id=%s channel=%s: unexpected error", item.id,
                             item.channel)
        try:
            await asyncio.to_thread(self._finish, item, error)
        except Exception:
            logger.exception("outbox id=%s: could not record the result (the lease runs out "
                             "and it is sent again)", item.id)
        finally:
            self._release(item)
            self.wake()

    def _release(self, item: Claimed) -> None:
        left = self._busy.get(item.lane, 0) - 1
        if left > 0:
            self._busy[item.lane] = left
        else:
            self._busy.pop(item.lane, None)

    def _finish(self, item: Claimed, error: str | None) -> None:
        rt = self.rt
        now = rt.clock.now()
        with rt.db.write() as s:
            outbox = Outbox(s)
            if error is None:
                outbox.mark_sent(item.id, self.node, now)
                if item.endpoint_id:
                    WebhookEndpoints(s).succeeded(item.endpoint_id, now)
                s.commit()
                logger.info("outbox sent id=%s channel=%s kind=%s attempt=%d", item.id,
                            item.channel, item.kind, item.attempts + 1)
                self._result(item.channel, "sent")
                return
            delay = retry_delay(item.attempts + 1)
            next_at = now + timedelta(seconds=delay)
            if next_at > item.give_up_after:
                outbox.mark_failed(item.id, self.node, error)
                logger.error("outbox gave up id=%s channel=%s kind=%s after %d attempts: %s "
                             "(secondlock outbox retry %s sends it again)", item.id,
                             item.channel, item.kind, item.attempts + 1, error, item.id)
                outcome = "failed"
            else:
                outbox.mark_retry(item.id, self.node, next_attempt_at=next_at, error=error)
                logger.warning("outbox retry id=%s channel=%s kind=%s attempt=%d in %.0f s: %s",
                               item.id, item.channel, item.kind, item.attempts + 1, delay,
                               error)
                outcome = "retry"
            if item.endpoint_id:
                days = rt.settings.webhook_failing_days
                if WebhookEndpoints(s).failed(item.endpoint_id, now, error,
                                              timedelta(days=days)):
                    logger.error("webhook endpoint %s has failed for %d days and is marked "
                                 "failing (secondlock webhooks list): %s", item.endpoint_id,
                                 days, error)
            s.commit()
        self._result(item.channel, outcome)

    def _result(self, channel: str, outcome: str) -> None:
        if self.on_result is not None:
            try:
                self.on_result(channel, outcome)
            except Exception:  # metrics must never break delivery
                logger.exception("outbox result hook failed")
