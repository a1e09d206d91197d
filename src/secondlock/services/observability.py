"""Figures read from the database at scrape time: the same whichever worker or node answers.

Outbox depth and oldest age per channel, SMS sent in the last hour against the global
budget, and the failure counters locked right now per kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from secondlock.services.outbox import outbox_status
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import Throttle
from secondlock.storage.repositories.outbox import ChannelStats
from secondlock.storage.repositories.sms_email_codes import CodeSends
from secondlock.storage.repositories.throttles import lock_kind


@dataclass(frozen=True)
class Snapshot:
    outbox: list[ChannelStats]
    #: Seconds the oldest pending message per channel has waited (0 when none waits).
    oldest_age: dict[str, float]
    sms_last_hour: int
    sms_budget_hour: int
    locked: dict[str, int]


def snapshot(rt: Runtime) -> Snapshot:
    now = rt.clock.now()
    stats = outbox_status(rt)
    with rt.db.read() as s:
        sms, _ = CodeSends(s).count(since=now - timedelta(hours=1), channel="sms")
        keys = s.scalars(select(Throttle.key).where(Throttle.locked_until > now)).all()
    return Snapshot(
        outbox=stats,
        oldest_age={c.channel: max((now - c.oldest_pending_at).total_seconds(), 0.0)
                    if c.oldest_pending_at else 0.0 for c in stats},
        sms_last_hour=sms, sms_budget_hour=rt.settings.sms_budget_global_hour,
        locked=dict(Counter(lock_kind(k) for k in keys)))
