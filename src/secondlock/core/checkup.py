"""The security checkup: a short checklist, each item with its status and one fix.

Pure rules over facts the service gathers; the page and the API show the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from secondlock.core.i18n import join_list, msg, nmsg
from secondlock.core.places import PlaceNames
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD

#: How far back "a sign-in from a device we had not seen" counts as something to review.
REVIEW_DAYS = 30


@dataclass(frozen=True)
class CheckupFacts:
    mfa_enabled: bool
    factor_count: int
    recovery_codes_left: int
    #: Sign-ins from new devices in the last REVIEW_DAYS not yet marked "that was me".
    unreviewed_sign_ins: tuple[tuple[str, datetime], ...]
    password_blocklisted: bool
    email_verified: bool
    #: Sign-ins from a new country (place name, time, impossible travel?) in the last
    #: REVIEW_DAYS not yet marked "that was me" (issue #16).
    unreviewed_places: tuple[tuple[str, datetime, bool], ...] = ()
    #: Names of confirmed factors unused for SECONDLOCK_STALE_FACTOR_DAYS (issue #16).
    stale_factors: tuple[str, ...] = ()
    stale_days: int = 180


@dataclass(frozen=True)
class Fix:
    label: str
    url: str
    #: True when the fix is a form to POST (a button), False for a link.
    post: bool = False


@dataclass(frozen=True)
class CheckItem:
    key: str
    title: str
    ok: bool
    detail: str
    fix: Fix | None


@dataclass(frozen=True)
class Checkup:
    items: tuple[CheckItem, ...]

    @property
    def score(self) -> int:
        return sum(item.ok for item in self.items)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def all_green(self) -> bool:
        return self.score == self.total


def evaluate(facts: CheckupFacts) -> Checkup:
    add_factor = Fix(msg("Turn on two-factor authentication"), "/account/security")
    codes = facts.recovery_codes_left
    items = [
        CheckItem(
            "two_factor", msg("Two-factor authentication is on"), facts.mfa_enabled,
            msg("A stolen password alone cannot open your account.") if facts.mfa_enabled else
            msg("Anyone with your password can sign in. Add an authenticator app: it takes two "
                "minutes."),
            None if facts.mfa_enabled else add_factor),
        _backup(facts, add_factor),
        CheckItem(
            "recovery_codes_left", msg("Enough recovery codes left"),
            facts.mfa_enabled and codes > LOW_CODES_THRESHOLD,
            nmsg("You have %(n)d recovery code left.", "You have %(n)d recovery codes left.",
                 codes)
            if facts.mfa_enabled else
            msg("Recovery codes come with two-factor authentication."),
            None if not facts.mfa_enabled or codes > LOW_CODES_THRESHOLD else
            Fix(msg("Make new recovery codes"), "/account/security#codes-heading")),
        _devices(facts),
        CheckItem(
            "password_not_common", msg("Your password is not a common or leaked one"),
            not facts.password_blocklisted,
            msg("Your password is not on our list of common and leaked passwords.")
            if not facts.password_blocklisted else
            msg("Your password is on a list of common or leaked passwords that attackers try "
                "first. Choose a new one that you use nowhere else."),
            None if not facts.password_blocklisted else
            Fix(msg("Change your password"), "/account/password")),
        CheckItem(
            "email_confirmed", msg("Your email address is confirmed"), facts.email_verified,
            msg("Security notices reach you.") if facts.email_verified else
            msg("Until you confirm it, we cannot be sure security notices reach you."),
            None if facts.email_verified else
            Fix(msg("Send the confirmation link again"), "/account/email/resend", post=True)),
    ]
    # Shown only when there is something to answer (issue #16): a sign-in from a new place,
    # a factor that may be gone.
    if facts.unreviewed_places:
        items.insert(4, _places(facts))
    if facts.stale_factors:
        items.insert(2, _stale(facts))
    return Checkup(tuple(items))


def _backup(facts: CheckupFacts, add_factor: Fix) -> CheckItem:
    title = msg("A second way in if you lose your phone")
    if not facts.mfa_enabled:
        return CheckItem("backup", title, False,
                         msg("This comes after two-factor authentication."), add_factor)
    if facts.factor_count >= 2:
        return CheckItem("backup", title, True,
                         msg("You have more than one two-factor method."), None)
    if facts.recovery_codes_left > 0:
        return CheckItem("backup", title, True,
                         msg("Your recovery codes get you in if your phone is lost. A second "
                             "method (another phone, a security key) makes it easier "
                             "still."), None)
    return CheckItem("backup", title, False,
                     msg("You have one method and no recovery codes: losing it locks you out."),
                     Fix(msg("Make recovery codes"), "/account/security#codes-heading"))


def _devices(facts: CheckupFacts) -> CheckItem:
    title = msg("No unrecognised sign-ins in the last %(days)d days", days=REVIEW_DAYS)
    if not facts.unreviewed_sign_ins:
        return CheckItem("devices", title, True,
                         msg("No sign-in from a new device is waiting for your review."), None)
    count = len(facts.unreviewed_sign_ins)
    devices = join_list(sorted({device for device, _ in facts.unreviewed_sign_ins}))
    return CheckItem("devices", title, False,
                     nmsg("%(n)d sign-in from a new device (%(devices)s). Were they all you? "
                          "If not, sign that device out and change your password.",
                          "%(n)d sign-ins from a new device (%(devices)s). Were they all you? "
                          "If not, sign that device out and change your password.",
                          count, devices=devices),
                     Fix(msg("Yes, those were all me"), "/account/checkup/reviewed", post=True))


def is_stale(*, last_used_at: datetime | None, confirmed_at: datetime | None,
             now: datetime, days: int) -> bool:
    """A confirmed factor not used (or, never used, not added) in the last ``days`` days."""
    if confirmed_at is None:
        return False
    return (last_used_at or confirmed_at) < now - timedelta(days=days)


def _stale(facts: CheckupFacts) -> CheckItem:
    title = msg("Every two-factor method is still yours")
    return CheckItem("stale_factors", title, False,
                     msg("Not used for over %(days)d days: %(names)s. Do you still have it? "
                         "If not, remove it and add what you use now; nothing is removed "
                         "for you.", days=facts.stale_days,
                         names=", ".join(facts.stale_factors)),
                     Fix(msg("Review your methods"), "/account/security#stale-factors"))


def _places(facts: CheckupFacts) -> CheckItem:
    title = msg("No sign-ins from unexpected places in the last %(days)d days", days=REVIEW_DAYS)
    unique = {str(place): place for place, _, _ in facts.unreviewed_places}
    places = PlaceNames(tuple(unique[name] for name in sorted(unique)))
    if any(travel for _, _, travel in facts.unreviewed_places):
        detail = msg("A sign-in came from %(places)s, too far from the one before it for "
                     "anyone to travel in between. Was it you (a VPN can do this)? If not, "
                     "sign that device out and change your password.", places=places)
    else:
        detail = nmsg("%(n)d sign-in from a country your account was not used from before "
                      "(%(places)s). Was it you? If not, sign that device out and change your "
                      "password.",
                      "%(n)d sign-ins from countries your account was not used from before "
                      "(%(places)s). Were they all you? If not, sign that device out and "
                      "change your password.", len(facts.unreviewed_places), places=places)
    return CheckItem("places", title, False, detail,
                     Fix(msg("Yes, those were all me"), "/account/checkup/reviewed", post=True))
