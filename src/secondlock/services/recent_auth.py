"""Sensitive changes need an authentication in the last few minutes ("sudo mode")."""

from __future__ import annotations

from datetime import timedelta

from secondlock.core.errors import ReauthRequiredError
from secondlock.core.i18n import nmsg
from secondlock.core.views import SessionView
from secondlock.services.methods.sms_email_code_checks import email_session_counts
from secondlock.services.runtime import Runtime


def require_recent_auth(rt: Runtime, view: SessionView) -> None:
    """Raises ReauthRequiredError unless the session authenticated within the window."""
    window = timedelta(minutes=rt.settings.reauth_minutes)
    # A session opened without a factor on a 2FA account (a remembered device skipped the
    # code) is single-factor: only a re-authentication with a factor makes it recent.
    single_factor = view.mfa_enabled and "mfa" not in view.amr.split()
    if single_factor and "email" in view.amr.split():
        # An email code counts only where email is the strongest factor (services/oob_codes).
        single_factor = not email_session_counts(rt, view.account_id)
    if single_factor or rt.clock.now() - view.auth_time > window:
        raise ReauthRequiredError(
            nmsg("For your safety, confirm it's you first: this change needs a sign-in from "
                 "the last %(n)d minute.",
                 "For your safety, confirm it's you first: this change needs a sign-in from "
                 "the last %(n)d minutes.", rt.settings.reauth_minutes))
