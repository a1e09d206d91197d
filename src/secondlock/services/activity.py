"""Recording what happened, and reading it back for the account's Activity page and API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secondlock.core.activity_text import KINDS, ActivityFacts, describe, kind_of, parse_refused
from secondlock.core.devices import describe_device
from secondlock.core.places import Place, describe_place
from secondlock.core.request_info import RequestInfo
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import ActivityEvent
from secondlock.storage.repositories import Activity, ActivityRow


def event(*, at: datetime, name: str, info: RequestInfo, success: bool,
          account_id: str | None = None, reason: str | None = None,
          method: str | None = None, detail: str | None = None) -> ActivityRow:
    """An activity row; callers add it inside their own transaction."""
    return ActivityRow(at=at, account_id=account_id, event=name, success=success,
                       reason=reason, method=method, ip=info.ip, user_agent=info.user_agent,
                       detail=detail)


@dataclass(frozen=True)
class ActivityEntry:
    """One row of the account's activity, ready to show."""

    id: int
    at: datetime
    event: str
    kind: str
    success: bool
    method: str | None
    reason: str | None
    ip: str
    device: str
    description: str
    #: Where the address is (issue #16); None for private or unknown addresses.
    place: Place | None = None


@dataclass(frozen=True)
class ActivityPage:
    entries: list[ActivityEntry]
    #: Pass as ``before`` for the next (older) page; None on the last page.
    next_before: int | None


MAX_PAGE = 100


class ActivityService:
    """Reading the account's own activity, and pruning old rows."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def page(self, account_id: str, *, kind: str | None = None, before: int | None = None,
             limit: int = 50) -> ActivityPage:
        """Newest first. An unknown ``kind`` is the caller's error (checked at the edge)."""
        limit = max(1, min(limit, MAX_PAGE))
        events = KINDS[kind] if kind else None
        with self.rt.db.read() as s:
            rows = Activity(s).for_account(account_id, limit=limit + 1, before_id=before,
                                           events=events)
        more = len(rows) > limit
        entries = [self._entry(r) for r in rows[:limit]]
        return ActivityPage(entries=entries,
                            next_before=entries[-1].id if more and entries else None)

    def previous_sign_in(self, account_id: str) -> ActivityEntry | None:
        """The sign-in before the latest one, shown after signing in (AUD-5): the owner
        notices one that was not theirs."""
        with self.rt.db.read() as s:
            rows = Activity(s).last_sign_ins(account_id, limit=2)
        return self._entry(rows[1]) if len(rows) > 1 else None

    def _entry(self, row: ActivityEvent) -> ActivityEntry:
        device = describe_device(row.user_agent)
        refused, refused_until = parse_refused(row.detail) if row.reason == "throttled" \
            else (0, None)
        facts = ActivityFacts(event=row.event, success=row.success, method=row.method,
                              reason=row.reason, refused=refused, refused_until=refused_until)
        place = self.rt.places.locate(row.ip)
        return ActivityEntry(id=row.id, at=row.at, event=row.event, kind=kind_of(row.event),
                             success=row.success, method=row.method, reason=row.reason,
                             ip=row.ip, device=device, place=place,
                             description=describe(facts, device=device, ip=row.ip,
                                                  place=describe_place(place)))

    def prune(self, *, retention_days: int | None = None) -> int:
        """Delete rows older than the retention period, in short transactions."""
        days = retention_days if retention_days is not None \
            else self.rt.settings.activity_retention_days
        cutoff = self.rt.clock.now() - timedelta(days=days)
        total = 0
        while True:
            with self.rt.db.write() as s:
                deleted = Activity(s).delete_before(cutoff)
                s.commit()
            total += deleted
            if not deleted:
                return total
