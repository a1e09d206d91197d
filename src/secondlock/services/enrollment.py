"""Requiring two-factor authentication: the rule from the settings, and the clock each
account's grace period runs on (issue #16). The session check is ``SessionService``'s."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session as DbSession

from secondlock.config import Settings
from secondlock.core.enrollment import EnrollmentRule
from secondlock.services.runtime import Runtime
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


@dataclass(frozen=True)
class WithoutFactor:
    email: str
    created_at: datetime
    #: The grace period's end (SECONDLOCK_REQUIRE_2FA=all), None before the first sign-in
    #: under the rule or with the rule off.
    enroll_by: datetime | None
    restricted: bool


@dataclass(frozen=True)
class TwoFactorReport:
    """``secondlock admin report --without-2fa``: who still has no second factor."""

    with_factor: int
    without_factor: int
    #: Of those without: past the grace period (their sessions may only enroll).
    restricted: int
    required: bool
    accounts: list[WithoutFactor]


def report_without_2fa(rt: Runtime, *, list_accounts: bool = False) -> TwoFactorReport:
    """Counts of accounts with and without a second factor; the accounts too if asked."""
    rule, now = enrollment_rule(rt.settings), rt.clock.now()
    with rt.db.read() as s:
        accounts = Accounts(s)
        with_factor, without_factor = accounts.count_by_mfa()
        rows = accounts.without_mfa()
    listed = [WithoutFactor(email, created, rule.enroll_by(started),
                            rule.restricted(mfa_enabled=False, started_at=started, now=now))
              for email, created, started in rows]
    return TwoFactorReport(with_factor=with_factor, without_factor=without_factor,
                           restricted=sum(a.restricted for a in listed),
                           required=rule.required, accounts=listed if list_accounts else [])
