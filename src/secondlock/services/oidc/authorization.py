"""What an authorization request needs before a code is issued: sign-in, a fresh sign-in,
a step-up to a stronger method, consent, or an error for the shop.

``decide`` is a pure function of the request and the session, so the rules are tested
without a browser (OIDC Core 1.0 §3.1.2.1 ``prompt``, ``max_age``, ``acr_values``;
security-checklist OIDC-3 and TD-1).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from secondlock.core.assurance import assurance, required_acr, satisfies
from secondlock.core.tokens import keyed_digest

LOGIN = "login"
REAUTH = "reauth"
CONSENT = "consent"
ISSUE = "issue"
ERROR = "error"
#: Query parameter that carries "re-authenticated after T", signed by us.
FRESH_PARAM = "sl_fresh"


@dataclass(frozen=True)
class Decision:
    action: str
    error: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class SessionState:
    amr: str
    auth_time: datetime


@dataclass(frozen=True)
class AuthorizationAsk:
    prompt: frozenset[str]
    max_age: int | None
    acr_values: str | None
    #: Set when we sent the shopper to sign in again at this moment (a verified marker).
    fresh_after: datetime | None


def parse_max_age(raw: str | None) -> int | None:
    """``max_age`` as seconds, or None when absent. ValueError when malformed."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise ValueError("max_age must be a non-negative integer")
    return int(raw)


def decide(ask: AuthorizationAsk, session: SessionState | None, *, now: datetime,
           reachable_acr: str, consented: bool, first_party: bool) -> Decision:
    """The next step for an authorization request."""
    silent = "none" in ask.prompt
    if session is None:
        if silent:
            return Decision(ERROR, "login_required", "The user is not signed in.")
        return Decision(LOGIN)
    refreshed = ask.fresh_after is not None and session.auth_time >= ask.fresh_after
    stale = False
    if ask.max_age is not None:
        stale = ask.max_age == 0 or now - session.auth_time > timedelta(seconds=ask.max_age)
    needs_fresh = ("login" in ask.prompt or stale) and not refreshed
    required = required_acr(ask.acr_values)
    needs_step_up = not satisfies(assurance(session.amr).acr, required)
    if needs_step_up and not satisfies(reachable_acr, required):
        return Decision(ERROR, "unmet_authentication_requirements",
                        "The account has no sign-in method strong enough for this request.")
    if needs_fresh or needs_step_up:
        if silent:
            return Decision(ERROR, "login_required" if needs_fresh else "interaction_required",
                            "The user must sign in again.")
        return Decision(REAUTH)
    if not first_party and (not consented or "consent" in ask.prompt):
        if silent:
            return Decision(ERROR, "consent_required", "The user has not allowed this app.")
        return Decision(CONSENT)
    return Decision(ISSUE)


def _mac(secret: bytes, stamp: str, client_id: str) -> str:
    return keyed_digest(secret, "oidc-fresh", f"{stamp}|{client_id}")[:32]


def fresh_marker(secret: bytes, at: datetime, client_id: str) -> str:
    stamp = str(int(at.timestamp() * 1_000_000))
    return f"{stamp}.{_mac(secret, stamp, client_id)}"


def read_fresh_marker(secret: bytes, raw: str | None, client_id: str) -> datetime | None:
    """The time a marker we issued names, or None when absent or forged."""
    if not raw or len(raw) > 64:
        return None
    stamp, _, mac = raw.partition(".")
    if not stamp.isdigit() or not hmac.compare_digest(mac, _mac(secret, stamp, client_id)):
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, tz=UTC)
