"""The security checkup's rules, over plain facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from secondlock.core.checkup import CheckupFacts, evaluate

GREEN = CheckupFacts(mfa_enabled=True, factor_count=1, recovery_codes_left=10,
                     unreviewed_sign_ins=(), password_blocklisted=False, email_verified=True)


def open_items(facts: CheckupFacts) -> dict[str, str | None]:
    return {i.key: i.fix.url if i.fix else None for i in evaluate(facts).items if not i.ok}


def test_an_account_with_everything_done_scores_six_of_six() -> None:
    checkup = evaluate(GREEN)
    assert (checkup.score, checkup.total, checkup.all_green) == (6, 6, True)
    assert all(item.fix is None for item in checkup.items)


def test_without_two_factor_three_items_are_open_and_each_has_a_fix() -> None:
    facts = replace(GREEN, mfa_enabled=False, factor_count=0, recovery_codes_left=0)
    assert open_items(facts) == {"two_factor": "/account/security",
                                 "backup": "/account/security",
                                 "recovery_codes_left": None}
    assert evaluate(facts).score == 3


def test_few_recovery_codes_are_flagged_but_still_count_as_a_backup() -> None:
    facts = replace(GREEN, recovery_codes_left=3)
    assert open_items(facts) == {"recovery_codes_left": "/account/security#codes-heading"}
    assert open_items(replace(GREEN, recovery_codes_left=0)).keys() == {
        "recovery_codes_left", "backup"}
    assert open_items(replace(GREEN, recovery_codes_left=0, factor_count=2)).keys() == {
        "recovery_codes_left"}


def test_unreviewed_sign_ins_from_new_devices_are_named_with_a_one_click_fix() -> None:
    at = datetime(2026, 11, 20, tzinfo=UTC)
    facts = replace(GREEN, unreviewed_sign_ins=(("Firefox on Linux", at),
                                                ("Mobile Safari on iOS", at)))
    [item] = [i for i in evaluate(facts).items if not i.ok]
    assert item.key == "devices"
    assert "2 sign-ins" in item.detail
    assert "Firefox on Linux, Mobile Safari on iOS" in item.detail
    assert item.fix is not None
    assert item.fix.post


def test_a_common_password_and_an_unconfirmed_email_are_flagged() -> None:
    facts = replace(GREEN, password_blocklisted=True, email_verified=False)
    assert open_items(facts) == {"password_not_common": "/account/password",
                                 "email_confirmed": "/account/email/resend"}
