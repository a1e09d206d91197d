"""Recording what happened, for the account's activity page and the audit trail."""

from __future__ import annotations

from datetime import datetime

from secondlock.core.request_info import RequestInfo
from secondlock.storage.repositories import ActivityRow


def event(*, at: datetime, name: str, info: RequestInfo, success: bool,
          account_id: str | None = None, reason: str | None = None,
          method: str | None = None, detail: str | None = None) -> ActivityRow:
    """An activity row; callers add it inside their own transaction."""
    return ActivityRow(at=at, account_id=account_id, event=name, success=success,
                       reason=reason, method=method, ip=info.ip, user_agent=info.user_agent,
                       detail=detail)
