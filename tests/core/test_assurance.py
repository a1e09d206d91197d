"""The amr/acr table (RFC 8176): what each way of signing in may claim, and never more.

The session strings of methods other engineers add later (sms, security keys, passkeys, email
codes) are pinned here too, so the mapping is ready when they land.
"""

from __future__ import annotations

import pytest

from secondlock.core.assurance import (
    ACR_MFA,
    ACR_PHISHING_RESISTANT,
    ACR_PWD,
    assurance,
    reachable_acr,
    required_acr,
    satisfies,
)


@pytest.mark.parametrize(("session_amr", "amr", "acr"), [
    ("pwd", ["pwd"], ACR_PWD),                                  # password only
    ("pwd otp mfa", ["pwd", "otp", "mfa"], ACR_MFA),            # authenticator app
    ("pwd rc mfa", ["pwd", "otp", "mfa"], ACR_MFA),             # recovery code
    ("pwd sms mfa", ["pwd", "sms", "mfa"], ACR_MFA),            # text message code
    ("pwd hwk mfa", ["pwd", "hwk", "mfa"], ACR_PHISHING_RESISTANT),  # security key 2nd step
    ("pwd swk mfa", ["pwd", "swk", "mfa"], ACR_PHISHING_RESISTANT),
    ("hwk user mfa", ["hwk", "user", "mfa"], ACR_PHISHING_RESISTANT),  # passkey with UV
    ("swk user mfa", ["swk", "user", "mfa"], ACR_PHISHING_RESISTANT),
    ("hwk", ["hwk"], ACR_PWD),                                  # key without UV: one factor
])
def test_each_sign_in_claims_what_really_happened(session_amr: str, amr: list[str],
                                                  acr: str) -> None:
    earned = assurance(session_amr)
    assert earned.amr == amr
    assert earned.acr == acr


@pytest.mark.parametrize("session_amr", [
    "pwd",              # a remembered device skipped the code
    "pwd email",        # an email code: the mailbox also resets the password
    "pwd email mfa",    # ... even if a session string claims mfa
    "pwd mfa",          # "mfa" alone proves nothing
    "mfa",
    "",
    "pwd totally-new-thing mfa",
])
def test_never_mfa_without_an_independent_second_factor(session_amr: str) -> None:
    earned = assurance(session_amr)
    assert "mfa" not in earned.amr
    assert earned.acr == ACR_PWD
    assert not earned.mfa


def test_email_code_is_reported_as_a_one_time_password_without_mfa() -> None:
    assert assurance("pwd email").amr == ["pwd", "otp"]


def test_required_acr_takes_the_weakest_known_value() -> None:
    assert required_acr(None) is None
    assert required_acr("urn:other:gold") is None
    assert required_acr(f"{ACR_PHISHING_RESISTANT} {ACR_MFA}") == ACR_MFA
    assert required_acr(f"urn:other {ACR_PHISHING_RESISTANT}") == ACR_PHISHING_RESISTANT


def test_a_higher_level_satisfies_a_lower_one() -> None:
    assert satisfies(ACR_PHISHING_RESISTANT, ACR_MFA)
    assert satisfies(ACR_MFA, None)
    assert not satisfies(ACR_PWD, ACR_MFA)
    assert not satisfies(ACR_MFA, ACR_PHISHING_RESISTANT)


def test_reachable_level_depends_on_the_accounts_methods() -> None:
    assert reachable_acr([]) == ACR_PWD
    assert reachable_acr(["email"]) == ACR_PWD
    assert reachable_acr(["recovery_code"]) == ACR_MFA
    assert reachable_acr(["totp", "webauthn"]) == ACR_PHISHING_RESISTANT
