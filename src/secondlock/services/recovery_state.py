"""The pending recovery of an account, as other use cases see it (issue #15).

Kept apart from ``services.recovery`` so that finishing a sign-in and "this wasn't me" can
cancel a recovery without importing the whole flow (which itself signs in).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core.devices import describe_device
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.services.activity import event
from secondlock.services.runtime import Runtime
from secondlock.storage.orm_recovery import Recovery
from secondlock.storage.repositories import Activity
from secondlock.storage.repositories.recoveries import Recoveries

#: Ways in that prove the owner still holds a factor: such a sign-in cancels a recovery.
#: (The password alone and a remembered device do not.)
CANCELLING_METHODS = frozenset({Method.TOTP, Method.RECOVERY_CODE, Method.SMS, Method.EMAIL,
                                Method.WEBAUTHN, Method.PASSKEY})


@dataclass(frozen=True)
class PendingRecovery:
    """What the banner on the signed-in pages says."""

    started_at: datetime
    ready_at: datetime


def cancel_pending(s: DbSession, account_id: str, *, now: datetime, by: str,
                   info: RequestInfo, detail: str | None = None) -> bool:
    """Cancel the account's pending recovery inside the caller's transaction; True when one
    was pending (an activity row says who stopped it)."""
    recovery_id = Recoveries(s).cancel(account_id, now, by)
    if recovery_id is None:
        return False
    Activity(s).add(event(at=now, name="recovery_cancelled", info=info, success=True,
                          account_id=account_id, reason=by, detail=detail))
    return True


def pending_recovery(rt: Runtime, account_id: str) -> PendingRecovery | None:
    with rt.db.read() as s:
        row: Recovery | None = Recoveries(s).pending(account_id)
        if row is None:
            return None
        return PendingRecovery(started_at=row.started_at, ready_at=row.ready_at)


def known_device(s: DbSession, account_id: str, user_agent: str) -> bool:
    """Whether the account has signed in from this kind of device before (a risk signal)."""
    agents = Activity(s).sign_in_agents(account_id)
    if user_agent in agents:
        return True
    label = describe_device(user_agent)
    return any(describe_device(agent) == label for agent in agents)
