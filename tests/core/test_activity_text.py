"""Plain sentences for activity rows, and the filter kinds."""

from __future__ import annotations

import pytest

from secondlock.core.activity_text import (
    KINDS,
    ActivityFacts,
    describe,
    kind_of,
    parse_refused,
    what_happened,
)
from secondlock.core.devices import describe_device

IPHONE_SAFARI = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
ANDROID_CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36")
WINDOWS_EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68")
MAC_FIREFOX = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 "
               "Firefox/127.0")


def test_a_sign_in_with_an_app_reads_like_a_sentence() -> None:
    facts = ActivityFacts(event="login", success=True, method="totp")
    text = describe(facts, device=describe_device(IPHONE_SAFARI), ip="198.51.100.7")
    assert text == "Signed in with an authenticator app on Mobile Safari on iOS (iPhone), " \
                   "from 198.51.100.7"


@pytest.mark.parametrize(("agent", "words"), [
    (IPHONE_SAFARI, ("Safari", "iOS", "iPhone")),
    (ANDROID_CHROME, ("Chrome", "Android")),
    (WINDOWS_EDGE, ("Edge", "Windows")),
    (MAC_FIREFOX, ("Firefox", "Mac OS X")),
])
def test_real_user_agents_name_browser_and_system(agent: str, words: tuple[str, ...]) -> None:
    device = describe_device(agent)
    for word in words:
        assert word in device


@pytest.mark.parametrize(("facts", "expected"), [
    (ActivityFacts("login", False, "pwd", "bad_password"), "Sign-in failed: wrong password"),
    (ActivityFacts("login", False, "pwd", "throttled"), "Sign-in refused: too many attempts"),
    (ActivityFacts("login", True, "recovery_code"), "Signed in with a recovery code"),
    (ActivityFacts("login_second_step", False, "totp", "invalid_code"),
     "Second step failed: wrong code from an authenticator app"),
    (ActivityFacts("mfa_enabled", True, "totp"),
     "Turned on two-factor authentication with an authenticator app"),
    (ActivityFacts("authenticator_removed", True, "totp"), "Removed an authenticator app"),
    (ActivityFacts("reauth", False, "pwd", "bad_password"),
     "Confirming it's you failed with your password"),
    (ActivityFacts("admin_reset_2fa", True), "An operator reset two-factor authentication"),
    (ActivityFacts("sessions_revoked", True), "Signed out all other devices"),
])
def test_each_event_has_its_own_words(facts: ActivityFacts, expected: str) -> None:
    assert what_happened(facts) == expected


def test_an_unknown_event_still_gets_an_honest_sentence() -> None:
    assert what_happened(ActivityFacts("fancy_new_thing", False)) == \
        "Account event: fancy new thing (failed)"
    assert kind_of("fancy_new_thing") == "other"


def test_command_line_actions_say_so_instead_of_an_ip() -> None:
    text = describe(ActivityFacts("admin_unlock", True), device="Command line", ip="cli")
    assert text == "An operator unlocked sign-in, from the command line"


def test_every_event_belongs_to_one_kind_only() -> None:
    seen: list[str] = [e for events in KINDS.values() for e in events]
    assert len(seen) == len(set(seen))
    assert kind_of("login") == "sign-in"
    assert kind_of("mfa_disabled") == "security"
    assert kind_of("session_revoked") == "devices"


def test_refused_attempts_read_as_one_line_with_how_many_more_and_until_when() -> None:
    count, until = parse_refused("refused=4212;until=2026-12-06T14:05:00+00:00")
    assert count == 4212
    facts = ActivityFacts(event="login", success=False, method="pwd", reason="throttled",
                          refused=count, refused_until=until)
    assert describe(facts, device="", ip="-") == ("Sign-in refused: too many attempts, and "
                                                  "4211 more refused attempts until 14:05 UTC")
    one_more = ActivityFacts(event="login", success=False, reason="throttled", refused=2,
                             refused_until=until)
    assert "and 1 more refused attempt until" in describe(one_more, device="", ip="-")


@pytest.mark.parametrize("detail", [None, "", "refused=x;until=now", "something else"])
def test_other_details_are_no_refused_summary(detail: str | None) -> None:
    assert parse_refused(detail) == (0, None)
