"""Requiring two-factor authentication (``SECONDLOCK_REQUIRE_2FA``, issue #16).

With the rule on, an account without a factor gets a grace period counted from its first
sign-in under the rule; past it, its sessions may only enroll a factor (and sign out).
A shop can also require it for its own sign-ins alone (``oidc add-client --require-mfa``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class EnrollmentRule:
    required: bool = False
    grace: timedelta = timedelta(0)

    def enroll_by(self, started_at: datetime | None) -> datetime | None:
        """The deadline of an account whose clock started at ``started_at``."""
        if not self.required or started_at is None:
            return None
        return started_at + self.grace

    def restricted(self, *, mfa_enabled: bool, started_at: datetime | None,
                   now: datetime) -> bool:
        """Whether a session of this account may only enroll a factor now.

        A session from before the rule (no start recorded) is restricted only without a
        grace period; with one, the clock starts at its next sign-in.
        """
        if not self.required or mfa_enabled:
            return False
        if started_at is None:
            return self.grace <= timedelta(0)
        return now >= started_at + self.grace

    def in_grace(self, *, mfa_enabled: bool, started_at: datetime | None,
                 now: datetime) -> datetime | None:
        """The deadline while the grace period runs, else None."""
        deadline = self.enroll_by(started_at)
        if mfa_enabled or deadline is None or now >= deadline:
            return None
        return deadline
