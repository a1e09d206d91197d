"""Deadlines for request bodies, on one timer per event loop (#17).

A request body has to arrive in full within a few seconds of the headers
(``web.middleware.BodyLimits``): a client that announces a body and never sends it must not
hold its connection for ever. ``asyncio.timeout_at`` around every ``receive`` arms and
disarms a timer per request, a tenth of the CPU of a refused sign-in. Here a request that
waits for its body is noted in a table with its task and deadline instead; one timer per
loop, armed only while the table is not empty, looks every ``TICK`` seconds and cancels the
tasks past their deadline. A wait cancelled so becomes ``BodyTimedOut``; any other
cancellation stays a cancellation. A deadline is kept to within one tick.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

TICK = 0.1


class BodyTimedOut(BaseException):
    """The body did not arrive by its deadline (a BaseException: handlers must not catch
    it on the way out to the body limits)."""


class _Wait:
    __slots__ = ("deadline", "expired", "task")

    def __init__(self, task: asyncio.Task[object], deadline: float) -> None:
        self.task = task
        self.deadline = deadline
        self.expired = False


class BodyDeadlines:
    """The waits for request bodies on one event loop (``for_loop``)."""

    def __init__(self) -> None:
        # No reference to the loop: ``_BY_LOOP`` would keep it alive for ever.
        self._waits: set[_Wait] = set()
        self._timer: asyncio.TimerHandle | None = None

    async def wait(self, receive: Callable[[], Awaitable[T]], deadline: float) -> T:
        """``await receive()``, or ``BodyTimedOut`` once ``deadline`` (loop time) passes."""
        task = asyncio.current_task()
        if task is None:  # not in a task: nothing to cancel, so no deadline to keep
            return await receive()
        cancelling = task.cancelling()
        wait = _Wait(task, deadline)
        self._waits.add(wait)
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(TICK, self._tick)
        try:
            return await receive()
        except asyncio.CancelledError:
            # Ours: the tick cancelled this task. Anyone else's cancellation goes on.
            if wait.expired and task.uncancel() <= cancelling:
                raise BodyTimedOut from None
            raise
        finally:
            self._waits.discard(wait)

    def _tick(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        for wait in self._waits:
            if not wait.expired and wait.deadline <= now:
                wait.expired = True
                wait.task.cancel()
        if self._waits:
            self._timer = loop.call_later(TICK, self._tick)


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BodyDeadlines] = \
    weakref.WeakKeyDictionary()


def for_loop(loop: asyncio.AbstractEventLoop) -> BodyDeadlines:
    """The running loop's deadlines (one table and one timer per loop)."""
    deadlines = _BY_LOOP.get(loop)
    if deadlines is None:
        deadlines = _BY_LOOP[loop] = BodyDeadlines()
    return deadlines
