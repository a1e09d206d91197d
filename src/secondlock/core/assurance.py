"""Honest ``amr`` and ``acr`` claims from how a session really signed in.

A session records its sign-in as a space-separated string of method tokens (``"pwd"``,
``"pwd otp mfa"``, ``"pwd rc mfa"``, later ``"pwd sms mfa"``, ``"hwk user mfa"`` ...).
``assurance()`` turns that into the RFC 8176 ``amr`` values and one of the three ``acr``
values a shop can ask for. The rule lives in one table, ``METHODS``, so a new sign-in
method is one row and one test.

Nothing here trusts an ``mfa`` token in the session string: whether the sign-in used two
independent factors is recomputed from the methods themselves. A remembered device skips the
code, so its session is plain ``"pwd"`` and never claims ``mfa``; an email code travels over
the same channel as a password reset, so it never counts as a second factor either.

References: RFC 8176 (amr values), OpenID Connect Core 1.0 §2 (acr, amr), NIST SP 800-63B-4
§2 (AAL2 needs two factors, AAL3-like phishing resistance needs a verifier-bound key).
"""

from __future__ import annotations

from dataclasses import dataclass

from secondlock.core.methods import Method

ACR_PWD = "urn:secondlock:pwd"  # noqa: S105 - an acr value, not a password
ACR_MFA = "urn:secondlock:mfa"
ACR_PHISHING_RESISTANT = "urn:secondlock:phishing-resistant"
#: Weakest first; a higher level satisfies every request for a lower one.
ACR_LEVELS = (ACR_PWD, ACR_MFA, ACR_PHISHING_RESISTANT)

# What kind of proof a method is (NIST's factor categories, with two refinements).
KNOWLEDGE = "knowledge"            # something you know: the password
POSSESSION = "possession"          # something you have: app code, SMS, recovery code sheet
BOUND_KEY = "bound_key"            # a security key or passkey: possession, origin-bound
USER_VERIFIED = "user_verified"    # the key itself checked a PIN or biometric
SAME_CHANNEL = "same_channel"      # an email code: the mailbox also resets the password


@dataclass(frozen=True)
class AmrToken:
    #: RFC 8176 values this method contributes to ``amr``.
    claims: tuple[str, ...]
    kind: str


#: Session method token -> claims and kind. Unknown tokens (and "mfa") add nothing.
METHODS: dict[str, AmrToken] = {
    "pwd": AmrToken(("pwd",), KNOWLEDGE),
    "otp": AmrToken(("otp",), POSSESSION),
    # A recovery code is a single-use one-time password from the printed sheet (RFC 8176
    # has no value of its own for it).
    "rc": AmrToken(("otp",), POSSESSION),
    "sms": AmrToken(("sms",), POSSESSION),
    "hwk": AmrToken(("hwk",), BOUND_KEY),
    "swk": AmrToken(("swk",), BOUND_KEY),
    "user": AmrToken(("user",), USER_VERIFIED),
    "pin": AmrToken(("pin",), USER_VERIFIED),
    "email": AmrToken(("otp",), SAME_CHANNEL),
}


@dataclass(frozen=True)
class Assurance:
    amr: list[str]
    acr: str
    mfa: bool


def assurance(session_amr: str) -> Assurance:
    """The ``amr`` list and ``acr`` value a session's sign-in really earned.

    ``mfa`` needs a password plus a possession factor (app code, SMS, recovery code, key),
    or a security key that verified the user itself. ``phishing-resistant`` needs ``mfa``
    and a security key or passkey.
    """
    claims: list[str] = []
    kinds: set[str] = set()
    for token in session_amr.split():
        method = METHODS.get(token)
        if method is None:
            continue
        kinds.add(method.kind)
        claims.extend(c for c in method.claims if c not in claims)
    mfa = (KNOWLEDGE in kinds and bool(kinds & {POSSESSION, BOUND_KEY})) or \
        {BOUND_KEY, USER_VERIFIED} <= kinds
    if mfa:
        claims.append("mfa")
    if mfa and BOUND_KEY in kinds:
        acr = ACR_PHISHING_RESISTANT
    elif mfa:
        acr = ACR_MFA
    else:
        acr = ACR_PWD
    return Assurance(amr=claims, acr=acr, mfa=mfa)


def level(acr: str) -> int:
    """0, 1 or 2 for a known acr value; ValueError for an unknown one."""
    return ACR_LEVELS.index(acr)


def required_acr(acr_values: str | None) -> str | None:
    """The weakest known level among the requested ``acr_values`` (any of them will do, as
    OIDC Core §3.1.2.1 says), or None when none of them is ours."""
    known = [v for v in (acr_values or "").split() if v in ACR_LEVELS]
    return min(known, key=level) if known else None


def satisfies(acr: str, required: str | None) -> bool:
    return required is None or level(acr) >= level(required)


#: The strongest level each second-factor kind of an account can reach on a step-up.
REACHABLE_BY_FACTOR: dict[str, str] = {
    Method.TOTP: ACR_MFA, Method.RECOVERY_CODE: ACR_MFA, Method.SMS: ACR_MFA,
    Method.WEBAUTHN: ACR_PHISHING_RESISTANT,
}


def reachable_acr(methods: tuple[str, ...] | list[str]) -> str:
    """The strongest acr a step-up with these second-factor methods can earn."""
    best = ACR_PWD
    for method in methods:
        candidate = REACHABLE_BY_FACTOR.get(method)
        if candidate is not None and level(candidate) > level(best):
            best = candidate
    return best
