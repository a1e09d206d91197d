"""Request-body deadlines on one timer per loop (web/body_deadlines.py), on asyncio's loop
and on uvloop's (what ``secondlock serve`` runs)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import uvloop

from secondlock.web.body_deadlines import TICK, BodyDeadlines, BodyTimedOut, for_loop

LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


@pytest.fixture(params=sorted(LOOPS))
def run(request: pytest.FixtureRequest) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    def run_on_loop(main: Coroutine[Any, Any, Any]) -> Any:
        with asyncio.Runner(loop_factory=LOOPS[request.param]) as runner:
            return runner.run(main)
    return run_on_loop


def arrives_after(seconds: float) -> Callable[[], Coroutine[Any, Any, str]]:
    async def receive() -> str:
        await asyncio.sleep(seconds)
        return "body"
    return receive


def test_a_body_in_time_is_handed_on_and_the_timer_stops(run: Callable[..., Any]) -> None:
    async def main() -> tuple[str, int, bool]:
        deadlines = BodyDeadlines()
        loop = asyncio.get_running_loop()
        got = await deadlines.wait(arrives_after(0.01), loop.time() + 5)
        waiting = len(deadlines._waits)
        await asyncio.sleep(TICK * 2)
        return got, waiting, deadlines._timer is None

    assert run(main()) == ("body", 0, True)


def test_a_body_past_its_deadline_times_out_within_a_tick(run: Callable[..., Any]) -> None:
    async def main() -> float:
        deadlines = BodyDeadlines()
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(BodyTimedOut):
            await deadlines.wait(arrives_after(60), started + 0.3)
        return loop.time() - started

    assert 0.3 <= run(main()) < 0.3 + TICK + 1.0


def test_a_timed_out_task_goes_on_without_a_stray_cancellation(run: Callable[..., Any]) -> None:
    """After the timeout the task answers 408, awaiting as it does so: nothing of the
    deadline's cancellation may be left to hit it there."""
    async def main() -> tuple[str, int]:
        loop = asyncio.get_running_loop()
        try:
            await BodyDeadlines().wait(arrives_after(60), loop.time() + 0.1)
        except BodyTimedOut:
            await asyncio.sleep(TICK * 2)  # sending the 408
            task = asyncio.current_task()
            assert task is not None
            return "answered", task.cancelling()
        return "not timed out", 0

    assert run(main()) == ("answered", 0)


def test_another_cancellation_stays_a_cancellation(run: Callable[..., Any]) -> None:
    async def main() -> bool:
        loop = asyncio.get_running_loop()
        deadlines = BodyDeadlines()
        task = asyncio.create_task(deadlines.wait(arrives_after(60), loop.time() + 60))
        await asyncio.sleep(0.05)
        task.cancel()  # the server, say, on shutdown
        try:
            await task
        except asyncio.CancelledError:
            return not deadlines._waits
        return False

    assert run(main()) is True


def test_many_waits_share_one_timer_and_each_keeps_its_own_deadline(
        run: Callable[..., Any]) -> None:
    async def main() -> list[str]:
        loop = asyncio.get_running_loop()
        deadlines = for_loop(loop)
        now = loop.time()

        async def one(i: int) -> str:
            try:
                # Odd ones never send; even ones send in time.
                return await deadlines.wait(arrives_after(60 if i % 2 else 0.05), now + 0.3)
            except BodyTimedOut:
                return "timed out"

        tasks = [asyncio.create_task(one(i)) for i in range(40)]
        await asyncio.sleep(0)
        assert len(deadlines._waits) == 40  # one table...
        assert deadlines._timer is not None  # ...and one timer
        return list(await asyncio.gather(*tasks))

    assert run(main()) == ["body" if i % 2 == 0 else "timed out" for i in range(40)]


def test_each_loop_has_its_own_table() -> None:
    first, second = asyncio.new_event_loop(), uvloop.new_event_loop()
    try:
        assert for_loop(first) is for_loop(first)
        assert for_loop(first) is not for_loop(second)
    finally:
        first.close()
        second.close()
