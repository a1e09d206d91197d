"""Housekeeping for ``secondlock prune``: rows that can never be used again."""

from __future__ import annotations

from datetime import timedelta

from secondlock.services.methods.sms_email_code_sending import SEND_LOG_DAYS
from secondlock.services.runtime import Runtime
from secondlock.storage.repositories import MfaChallenges, Tokens, TrustedDevices
from secondlock.storage.repositories.security_keys import WebAuthnChallenges
from secondlock.storage.repositories.sms_email_codes import CodeSends, DeliveryCodes

#: How long an expired pending sign-in or mailed link is kept to answer "expired".
EXPIRED_GRACE = timedelta(days=7)


def prune_leftovers(rt: Runtime) -> int:
    """Delete expired pending sign-ins, mailed links, remembered devices, WebAuthn
    challenges, and SMS/email codes and send logs past their budget window; returns how
    many rows went. (Each kind also cleans itself as new rows come; this catches the rest.)"""
    now = rt.clock.now()
    with rt.db.write() as s:
        # A grace period, so a late click still hears "expired" rather than "unknown".
        deleted = MfaChallenges(s).delete_expired(now - EXPIRED_GRACE)
        deleted += Tokens(s).delete_expired(now - EXPIRED_GRACE)
        deleted += TrustedDevices(s).delete_expired(now)
        deleted += WebAuthnChallenges(s).delete_expired(now)
        cutoff = now - timedelta(days=SEND_LOG_DAYS)
        deleted += DeliveryCodes(s).prune(cutoff)
        deleted += CodeSends(s).prune(cutoff)
        s.commit()
    return deleted
