"""Hands messages from (synchronous) services to an async Mailer, with retries.

Services run in worker threads; ``LoopNotifier`` schedules each delivery on the event loop
and returns at once, so a slow mail server never slows a sign-in. ``BlockingNotifier``
delivers before returning, for the CLI.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

from secondlock.notifications.base import DeliveryError, Mailer, OutgoingEmail

logger = logging.getLogger(__name__)

RETRY_DELAYS_SECONDS = (1.0, 5.0, 30.0)


async def deliver_with_retry(mailer: Mailer, message: OutgoingEmail,
                             delays: tuple[float, ...] = RETRY_DELAYS_SECONDS) -> bool:
    for attempt in range(len(delays) + 1):
        try:
            await mailer.send(message)
            return True
        except DeliveryError:
            if attempt == len(delays):
                break
            await asyncio.sleep(delays[attempt])
    logger.error("mail not delivered after %d attempts kind=%s", len(delays) + 1, message.kind)
    return False


class LoopNotifier:
    def __init__(self, mailer: Mailer, loop: asyncio.AbstractEventLoop | None = None,
                 delays: tuple[float, ...] = RETRY_DELAYS_SECONDS) -> None:
        self.mailer = mailer
        self._loop = loop
        self._delays = delays
        self._pending: set[Future[bool] | asyncio.Task[bool]] = set()

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def send_email(self, message: OutgoingEmail) -> None:
        if self._loop is None or self._loop.is_closed():
            # No running app loop (a server started without lifespan): deliver right here.
            asyncio.run(deliver_with_retry(self.mailer, message, delays=(1.0,)))
            return
        coro: Coroutine[Any, Any, bool] = deliver_with_retry(self.mailer, message, self._delays)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            task = self._loop.create_task(coro)
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        else:
            future = asyncio.run_coroutine_threadsafe(coro, self._loop)
            self._pending.add(future)
            future.add_done_callback(self._pending.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for deliveries in flight (at shutdown, and in tests)."""
        waiting = [asyncio.wrap_future(p) if isinstance(p, Future) else p
                   for p in list(self._pending)]
        if waiting:
            await asyncio.wait(waiting, timeout=timeout)


class BlockingNotifier:
    def __init__(self, mailer: Mailer) -> None:
        self.mailer = mailer

    def send_email(self, message: OutgoingEmail) -> None:
        asyncio.run(deliver_with_retry(self.mailer, message, delays=(1.0,)))
