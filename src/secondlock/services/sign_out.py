"""Sign out everywhere: the one place that ends every way into an account.

Used by password reset and change, "this wasn't me" and the operator's sign-out: any
"the account may be in the wrong hands" event. It runs inside the caller's transaction, so
the change that made it necessary and the sign-out commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.services.oidc.tokens import revoke_account_tokens
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.repositories import MfaChallenges, Sessions


@dataclass(frozen=True)
class SignedOut:
    sessions: int
    devices: int
    shop_tokens: int = 0

    @property
    def detail(self) -> str:
        """For the activity row: counts only, never tokens."""
        return f"sessions={self.sessions} devices={self.devices} shop_tokens={self.shop_tokens}"


def sign_out_everywhere(s: DbSession, account_id: str, *, now: datetime,
                        keep_session_id: str | None = None) -> SignedOut:
    """End every session (but ``keep_session_id``), forget every remembered device and drop
    pending sign-ins (a correct password waiting for its second step). Caller commits.
    """
    sessions = Sessions(s).delete_others(account_id, keep_id=keep_session_id)
    devices = forget_all_devices(s, account_id)
    # A sign-in that got past the password before the change must not finish afterwards.
    MfaChallenges(s).delete_for_account(account_id)
    # Shops signed in through OpenID Connect lose their access and refresh tokens too.
    shop_tokens = revoke_account_tokens(s, account_id, now)
    return SignedOut(sessions=sessions, devices=devices, shop_tokens=shop_tokens)
