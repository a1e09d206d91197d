"""Requiring two-factor authentication: the rule from the settings, and the clock each
account's grace period runs on (issue #16). The session check is ``SessionService``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.config import Settings
from secondlock.core.enrollment import EnrollmentRule
from secondlock.storage.repositories import Accounts


def enrollment_rule(settings: Settings) -> EnrollmentRule:
    return EnrollmentRule(required=settings.require_2fa == "all",
                          grace=timedelta(seconds=settings.require_2fa_grace))


@dataclass(frozen=True)
class Enrollment:
    """What a sign-in answer says about the rule: nothing, a deadline, or "enroll now"."""

    required: bool = False
    enroll_by: datetime | None = None


NOTHING_DUE = Enrollment()


def enrollment_at_sign_in(s: DbSession, rule: EnrollmentRule, *, account_id: str,
                          now: datetime) -> Enrollment:
    """Start the account's grace period at its first sign-in under the rule (inside the
    caller's transaction) and say where it stands."""
    if not rule.required:
        return NOTHING_DUE
    accounts = Accounts(s)
    account = accounts.get(account_id)
    if account is None or account.mfa_enabled_at is not None:
        return NOTHING_DUE
    started = accounts.start_enrollment(account_id, now)
    if rule.restricted(mfa_enabled=False, started_at=started, now=now):
        return Enrollment(required=True)
    return Enrollment(enroll_by=rule.enroll_by(started))
