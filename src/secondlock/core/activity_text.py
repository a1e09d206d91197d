"""What an activity row means, in plain words, and which kind of event it is.

Pure rules: the page and the API show the same sentence, so a shopper reading the Activity
page and a shop showing ``GET /me/activity`` tell the same story. Unknown events (written by
a newer version, say) still get an honest generic sentence rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from secondlock.core.i18n import msg, nmsg, pmsg
from secondlock.core.methods import Method

#: Filter kinds offered on the Activity page and by ``GET /me/activity?kind=``.
KINDS: dict[str, tuple[str, ...]] = {
    "sign-in": ("login", "login_password", "login_second_step", "logout", "reauth",
                "trusted_device_used", "oidc_signed_in", "new_location", "impossible_travel"),
    "security": ("account_created", "email_verified", "mfa_enabled", "mfa_disabled",
                 "authenticator_added", "authenticator_removed", "authenticator_renamed",
                 "recovery_codes_regenerated", "recovery_code_used", "password_changed",
                 "password_reset", "password_reset_requested", "not_me",
                 "email_verification_sent",
                 "security_key_flagged", "recovery_requested", "recovery_started",
                 "recovery_cancelled", "recovery_completed"),
    "devices": ("session_revoked", "sessions_revoked", "trusted_device_added",
                "trusted_device_revoked", "trusted_device_replayed", "devices_reviewed"),
    "admin": ("admin_reset_2fa", "admin_unlock", "admin_sign_out", "recovery_shortened",
              "staff_reset_2fa", "staff_unlock", "staff_sign_out"),
}

KIND_LABELS: dict[str, str] = {
    "sign-in": msg("Sign-ins"),
    "security": msg("Security changes"),
    "devices": msg("Devices"),
    "admin": msg("Operator actions"),
}

#: How each method reads after "with" or "from" ("Signed in with ..."). A context of its
#: own, because other languages decline it differently than a method named on its own.
METHOD_WORDS: dict[str, str] = {
    Method.PASSWORD: pmsg("method after with", "your password"),
    Method.TOTP: pmsg("method after with", "an authenticator app"),
    Method.RECOVERY_CODE: pmsg("method after with", "a recovery code"),
    Method.SMS: pmsg("method after with", "a text message code"),
    Method.EMAIL: pmsg("method after with", "an email code"),
    Method.WEBAUTHN: pmsg("method after with", "a security key"),
    Method.PASSKEY: pmsg("method after with", "a passkey"),
    Method.REMEMBERED_DEVICE: pmsg("method after with", "a remembered device"),
}

#: The same methods named on their own ("Added ...", "Removed ...").
METHOD_NAMES: dict[str, str] = {
    Method.PASSWORD: pmsg("method named", "your password"),
    Method.TOTP: pmsg("method named", "an authenticator app"),
    Method.RECOVERY_CODE: pmsg("method named", "a recovery code"),
    Method.SMS: pmsg("method named", "a text message code"),
    Method.EMAIL: pmsg("method named", "an email code"),
    Method.WEBAUTHN: pmsg("method named", "a security key"),
    Method.PASSKEY: pmsg("method named", "a passkey"),
    Method.REMEMBERED_DEVICE: pmsg("method named", "a remembered device"),
}

_FAILED_SIGN_IN: dict[str, str] = {
    "bad_password": msg("Sign-in failed: wrong password"),
    "unknown_account": msg("Sign-in failed: no such account"),
    "throttled": msg("Sign-in refused: too many attempts"),
    "locked": msg("Sign-in refused: sign-in is locked"),
}

_SENTENCES: dict[str, str] = {
    "login_password": msg("Password accepted; the second step was asked"),
    "logout": msg("Signed out"),
    "session_revoked": msg("Signed out a device"),
    "sessions_revoked": msg("Signed out all other devices"),
    "account_created": msg("Created the account"),
    "email_verified": msg("Confirmed the email address"),
    "mfa_disabled": msg("Turned off two-factor authentication"),
    "recovery_codes_regenerated": msg("Made new recovery codes; the old ones stopped working"),
    "recovery_code_used": msg("Used a recovery code"),
    "password_changed": msg("Changed the password"),
    "password_reset": msg("Reset the password through the emailed link"),
    "password_reset_requested": msg("Asked for a password reset link"),
    "not_me": msg("Reported \"this wasn't me\": every device was signed out"),
    "trusted_device_added": msg("Remembered this device for sign-in"),
    "trusted_device_revoked": msg("Stopped remembering a device"),
    "trusted_device_replayed": msg("An old remembered-device token was used again; the "
                                   "device was forgotten"),
    "devices_reviewed": msg("Confirmed that recent sign-ins from new devices were all yours"),
    # Where a sign-in comes from (issue #16)
    "new_location": msg("Signed in from a country this account had not signed in from "
                        "before"),
    "impossible_travel": msg("Signed in from a place too far from the sign-in before it to "
                             "travel there in between, even by plane"),
    "email_verification_sent": msg("Asked for a new email confirmation link"),
    "admin_reset_2fa": msg("An operator reset two-factor authentication"),
    "admin_unlock": msg("An operator unlocked sign-in"),
    "admin_sign_out": msg("An operator signed the account out of every device"),
    # Recovery with a waiting period (#15)
    "recovery_requested": msg("Asked for a link to recover the account without a second "
                              "factor"),
    "recovery_started": msg("Started a recovery that removes every second factor after a "
                            "waiting period"),
    "recovery_cancelled": msg("Stopped a recovery of the account; nothing was removed"),
    "recovery_completed": msg("Finished a recovery: every second factor and recovery code "
                              "was removed"),
    "recovery_shortened": msg("An operator shortened the wait of a recovery"),
    "staff_reset_2fa": msg("Support reset two-factor authentication"),
    "staff_unlock": msg("Support lifted the sign-in lock"),
    "staff_sign_out": msg("Support signed the account out of every device"),
    "security_key_flagged": msg("Blocked a security key: its signature counter went "
                                "backwards, so it may have been copied"),
    # OpenID Connect (issue #7)
    "oidc_signed_in": msg("Signed in to a shop through SecondLock"),
    "oidc_code_replayed": msg("A shop's sign-in code was used twice; what it gave was revoked"),
    "oidc_refresh_replayed": msg("An old shop token was used again; that shop's access was "
                                 "revoked"),
    "oidc_app_disconnected": msg("Disconnected a shop from the account"),
}


@dataclass(frozen=True)
class ActivityFacts:
    event: str
    success: bool
    method: str | None = None
    reason: str | None = None
    #: A summary of attempts refused while sign-in was locked (#17): how many, and when the
    #: last one came. The row itself stands for the first.
    refused: int = 0
    refused_until: datetime | None = None


def parse_refused(detail: str | None) -> tuple[int, datetime | None]:
    """The count and end a refused-attempts summary row keeps in ``detail``
    (``refused=4212;until=2026-12-06T14:05:00+00:00``); (0, None) for any other row."""
    if not detail or not detail.startswith("refused="):
        return 0, None
    fields = dict(part.partition("=")[::2] for part in detail.split(";"))
    try:
        count = int(fields.get("refused", ""))
        until = datetime.fromisoformat(fields["until"]) if fields.get("until") else None
    except (TypeError, ValueError):
        return 0, None
    return max(0, count), until


def kind_of(event: str) -> str:
    for kind, events in KINDS.items():
        if event in events:
            return kind
    return "other"


def method_words(method: str | None) -> str:
    """The method as it reads after "with" or "from"."""
    if not method:
        return pmsg("method after with", "an unknown method")
    return METHOD_WORDS.get(method, method.replace("_", " "))


def method_name(method: str | None) -> str:
    """The method as it reads named on its own ("Added ...")."""
    if not method:
        return pmsg("method named", "an unknown method")
    return METHOD_NAMES.get(method, method.replace("_", " "))


def what_happened(facts: ActivityFacts) -> str:
    """The sentence's verb part, e.g. "Signed in with an authenticator app".

    Each sentence is one translatable unit; only the method is filled in.
    """
    event, method = facts.event, facts.method
    with_method = method_words(method)
    if event == "login":
        if facts.success:
            return msg("Signed in with %(method)s", method=with_method)
        return _FAILED_SIGN_IN.get(facts.reason or "", msg("Sign-in failed"))
    if event == "login_second_step":
        if facts.success:
            return msg("Second step passed with %(method)s", method=with_method)
        if facts.reason in ("locked", "throttled"):
            return msg("Second step refused: too many wrong codes, sign-in is locked")
        return msg("Second step failed: wrong code from %(method)s", method=with_method)
    if event == "reauth":
        if facts.success:
            return msg("Confirmed it's you with %(method)s", method=with_method)
        return msg("Confirming it's you failed with %(method)s", method=with_method)
    if event == "mfa_enabled":
        return msg("Turned on two-factor authentication with %(method)s", method=with_method)
    if event == "authenticator_added":
        return msg("Added %(method)s", method=method_name(method))
    if event == "authenticator_removed":
        return msg("Removed %(method)s", method=method_name(method))
    if event == "authenticator_renamed":
        return msg("Renamed %(method)s", method=method_name(method))
    if event == "trusted_device_used":
        return msg("Signed in on a remembered device without a code")
    sentence = _SENTENCES.get(event)
    if sentence is not None:
        return sentence if facts.success else msg("%(what)s (failed)", what=sentence)
    words = event.replace("_", " ")
    if facts.success:
        return msg("Account event: %(event)s", event=words)
    return msg("Account event: %(event)s (failed)", event=words)


def describe(facts: ActivityFacts, *, device: str, ip: str, place: str | None = None) -> str:
    """The whole sentence without the time, which pages show as "5 minutes ago".

    ``place`` is the address's place ("Berlin, Germany"), when there is one.
    """
    what = what_happened(facts)
    if facts.refused > 1 and facts.refused_until is not None:
        until = facts.refused_until.astimezone(UTC).strftime("%H:%M UTC")
        what = nmsg("%(what)s, and %(n)d more refused attempt until %(until)s",
                    "%(what)s, and %(n)d more refused attempts until %(until)s",
                    facts.refused - 1, what=what, until=until)
    if ip == "cli":
        return msg("%(what)s, from the command line", what=what)
    known_device = bool(device) and device != "Unknown device"
    known_ip = bool(ip) and ip != "-"
    if known_ip and place:
        where = msg("%(ip)s in %(place)s", ip=ip, place=place)
        if known_device:
            return msg("%(what)s on %(device)s, from %(where)s", what=what, device=device,
                       where=where)
        return msg("%(what)s, from %(where)s", what=what, where=where)
    if known_device and known_ip:
        return msg("%(what)s on %(device)s, from %(ip)s", what=what, device=device, ip=ip)
    if known_device:
        return msg("%(what)s on %(device)s", what=what, device=device)
    if known_ip:
        return msg("%(what)s, from %(ip)s", what=what, ip=ip)
    return what
