"""The authorization decision (OIDC Core §3.1.2.1) as a pure function, and the signed
"re-authenticated after" marker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from secondlock.core.assurance import ACR_MFA, ACR_PHISHING_RESISTANT, ACR_PWD
from secondlock.services.oidc.authorization import (
    CONSENT,
    ERROR,
    ISSUE,
    LOGIN,
    REAUTH,
    AuthorizationAsk,
    Decision,
    SessionState,
    decide,
    fresh_marker,
    parse_max_age,
    read_fresh_marker,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
SECRET = b"k" * 32


def ask(prompt: str = "", max_age: int | None = None, acr_values: str | None = None,
        fresh_after: datetime | None = None) -> AuthorizationAsk:
    return AuthorizationAsk(frozenset(prompt.split()), max_age, acr_values, fresh_after)


def session(amr: str = "pwd otp mfa", age: int = 0) -> SessionState:
    return SessionState(amr, NOW - timedelta(seconds=age))


def run(request: AuthorizationAsk, state: SessionState | None, *, reachable: str = ACR_MFA,
        consented: bool = True, first_party: bool = True) -> Decision:
    return decide(request, state, now=NOW, reachable_acr=reachable, consented=consented,
                  first_party=first_party)


def test_no_session_means_sign_in_or_login_required() -> None:
    assert run(ask(), None).action == LOGIN
    assert run(ask("none"), None) == Decision(ERROR, "login_required",
                                              "The user is not signed in.")


def test_a_live_session_gets_a_code() -> None:
    assert run(ask(), session()).action == ISSUE


def test_max_age_exceeded_asks_to_confirm_and_the_marker_satisfies_it() -> None:
    assert run(ask(max_age=60), session(age=61)).action == REAUTH
    assert run(ask(max_age=60), session(age=60)).action == ISSUE
    refreshed = SessionState("pwd otp mfa", NOW)
    assert run(ask(max_age=0, fresh_after=NOW), refreshed).action == ISSUE
    assert run(ask(max_age=0), refreshed).action == REAUTH


def test_prompt_login_asks_again_until_the_sign_in_is_newer_than_the_request() -> None:
    assert run(ask("login"), session()).action == REAUTH
    assert run(ask("login", fresh_after=NOW - timedelta(seconds=1)), session()).action == ISSUE
    assert run(ask("login", fresh_after=NOW + timedelta(seconds=1)), session()).action == REAUTH


def test_acr_values_step_up_or_error() -> None:
    assert run(ask(acr_values=ACR_MFA), session("pwd")).action == REAUTH
    assert run(ask(acr_values=ACR_MFA), session("pwd otp mfa")).action == ISSUE
    assert run(ask(acr_values=ACR_MFA), session("pwd"), reachable=ACR_PWD).error == \
        "unmet_authentication_requirements"
    assert run(ask(acr_values=ACR_PHISHING_RESISTANT), session()).error == \
        "unmet_authentication_requirements"
    assert run(ask(acr_values=ACR_PWD), session("pwd")).action == ISSUE


@pytest.mark.parametrize(("request_", "error"), [
    (ask("none", max_age=10), "login_required"),
    (ask("none", acr_values=ACR_MFA), "interaction_required"),
])
def test_prompt_none_never_shows_a_page(request_: AuthorizationAsk, error: str) -> None:
    assert run(request_, session("pwd", age=60)).error == error


def test_third_party_clients_need_consent_once() -> None:
    assert run(ask(), session(), consented=False, first_party=False).action == CONSENT
    assert run(ask(), session(), consented=True, first_party=False).action == ISSUE
    assert run(ask("consent"), session(), consented=True, first_party=False).action == CONSENT
    assert run(ask(), session(), consented=False, first_party=True).action == ISSUE
    assert run(ask("none"), session(), consented=False, first_party=False).error == \
        "consent_required"


def test_fresh_marker_is_bound_to_secret_and_client() -> None:
    marker = fresh_marker(SECRET, NOW, "shop")
    assert read_fresh_marker(SECRET, marker, "shop") == NOW
    assert read_fresh_marker(SECRET, marker, "other-shop") is None
    assert read_fresh_marker(b"x" * 32, marker, "shop") is None
    stamp, _, mac = marker.partition(".")
    assert read_fresh_marker(SECRET, f"{int(stamp) - 10**9}.{mac}", "shop") is None
    assert read_fresh_marker(SECRET, "garbage", "shop") is None


@pytest.mark.parametrize(("raw", "expected"), [(None, None), ("", None), ("0", 0),
                                               ("300", 300)])
def test_max_age_parses(raw: str | None, expected: int | None) -> None:
    assert parse_max_age(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "1.5", "abc", "9" * 12])
def test_malformed_max_age_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="max_age"):
        parse_max_age(raw)
