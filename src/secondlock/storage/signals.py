"""Facts a transaction noted for observers (metrics), handed over only once it committed.

Repositories call ``note(s, name, **labels)``; ``Database`` passes the list to its
``signal_listeners`` after the commit, and forgets it on a rollback. So a counter never
counts a change that did not happen. Labels are short names, never secrets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

Signal = tuple[str, dict[str, str]]
SignalListener = Callable[[list[Signal]], None]

KEY = "secondlock_signals"


class Noted(Protocol):
    """A transaction with an ``info`` dict: a Session or a ``storage.lean`` transaction."""

    @property
    def info(self) -> dict[Any, Any]: ...


def note(s: Noted, name: str, **labels: str) -> None:
    s.info.setdefault(KEY, []).append((name, labels))


def take(s: Noted) -> list[Signal]:
    signals: list[Signal] = s.info.pop(KEY, None) or []
    return signals
