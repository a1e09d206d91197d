"""One pooled connection kept for the event loop's thread (SQLite), instead of a checkout each.

With SQLite the session lookup and the short lean writes of a guessing attack run right on
the event loop (microseconds each). Checking a connection out of the pool and back in cost
as much as the statement itself (#17), so the first thread that asks keeps one connection,
detached from the pool, for good. Any other thread gets None and uses the pool as before.
One thread at a time uses it by construction: the owner's code runs one call after another.
A connection that broke is let go (``drop``); the next call keeps a new one.
"""

from __future__ import annotations

import asyncio
import threading
import weakref

from sqlalchemy import Engine
from sqlalchemy.pool import PoolProxiedConnection


def on_event_loop() -> bool:
    """Whether this thread is running an event loop (so whatever it runs blocks the loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class KeptConnection:
    """A connection of ``engine`` for the first thread that calls ``for_this_thread``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._owner: int | None = None
        #: [the kept pool entry, detached from the pool] or empty.
        self._kept: list[PoolProxiedConnection] = []
        weakref.finalize(self, _close, self._kept)

    @property
    def current(self) -> PoolProxiedConnection | None:
        """The connection kept now, if any (tests look at it)."""
        return self._kept[0] if self._kept else None

    def for_this_thread(self) -> PoolProxiedConnection | None:
        """The kept connection (kept now if need be) for its owner thread; None for others.

        Raises whatever the pool's connect raises."""
        owner = threading.get_ident()
        if self._owner is None:
            self._owner = owner
        elif self._owner != owner:
            return None
        if not self._kept:
            entry = self._engine.raw_connection()
            entry.detach()  # the pool forgets it; closing it closes the connection
            self._kept.append(entry)
        return self._kept[0]

    def drop(self) -> None:
        """Close the kept connection (broken, or the app is shutting down); a later call
        keeps a new one."""
        _close(self._kept)


def _close(kept: list[PoolProxiedConnection]) -> None:
    while kept:
        kept.pop().close()
