"""Send budgets against SMS pumping and harassment: pure policy, the counts live in storage.

Each budget is "at most N sends per window" for one scope: a destination (number or
mailbox), an account, a client IP group, and globally (SMS only). A global budget that is
used up opens the circuit breaker: no more SMS until the hour's sends fall below it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Budget:
    scope: str  # "destination", "account", "ip" or "global"
    window: timedelta
    limit: int


@dataclass(frozen=True)
class Refusal:
    budget: Budget
    retry_after: int  # seconds until the oldest counted send leaves the window


def first_exceeded(counts: list[tuple[Budget, int, datetime | None]],
                   now: datetime) -> Refusal | None:
    """The first budget already used up, given (budget, sends in window, oldest send).

    A budget with ``limit`` sends in its window refuses one more.
    """
    for budget, count, oldest in counts:
        if count >= budget.limit:
            wait = budget.window.total_seconds()
            if oldest is not None:
                wait = (oldest + budget.window - now).total_seconds()
            return Refusal(budget, max(1, int(wait) + (0 if wait == int(wait) else 1)))
    return None
