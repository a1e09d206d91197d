"""Sign out everywhere: the one place that ends every way into an account.

Used by password reset and password change, and meant for "this wasn't me" and any other
"the account may be in the wrong hands" event. It runs inside the caller's transaction, so
the change that made it necessary and the sign-out commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session as DbSession

from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.repositories import MfaChallenges, Sessions


@dataclass(frozen=True)
class SignedOut:
    sessions: int
    devices: int

    @property
    def detail(self) -> str:
        """For the activity row: counts only, never tokens."""
        return f"sessions={self.sessions} devices={self.devices}"


def sign_out_everywhere(s: DbSession, account_id: str, *,
                        keep_session_id: str | None = None) -> SignedOut:
    """End every session (but ``keep_session_id``), forget every remembered device and drop
    pending sign-ins (a correct password waiting for its second step). Caller commits.
    """
    sessions = Sessions(s).delete_others(account_id, keep_id=keep_session_id)
    devices = forget_all_devices(s, account_id)
    # A sign-in that got past the password before the change must not finish afterwards.
    MfaChallenges(s).delete_for_account(account_id)
    # HOOK (OIDC, issue #7): revoke the account's refresh and access tokens here, in this
    # same transaction, once the OpenID Connect provider stores them.
    return SignedOut(sessions=sessions, devices=devices)
