"""What an activity row means, in plain words, and which kind of event it is.

Pure rules: the page and the API show the same sentence, so a shopper reading the Activity
page and a shop showing ``GET /me/activity`` tell the same story. Unknown events (written by
a newer version, say) still get an honest generic sentence rather than an error.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Filter kinds offered on the Activity page and by ``GET /me/activity?kind=``.
KINDS: dict[str, tuple[str, ...]] = {
    "sign-in": ("login", "login_password", "login_second_step", "logout", "reauth",
                "trusted_device_used", "oidc_signed_in"),
    "security": ("account_created", "email_verified", "mfa_enabled", "mfa_disabled",
                 "authenticator_added", "authenticator_removed", "authenticator_renamed",
                 "recovery_codes_regenerated", "recovery_code_used", "password_changed",
                 "password_reset", "password_reset_requested", "not_me"),
    "devices": ("session_revoked", "sessions_revoked", "trusted_device_added",
                "trusted_device_revoked", "trusted_device_replayed"),
    "admin": ("admin_reset_2fa", "admin_unlock"),
}

KIND_LABELS: dict[str, str] = {
    "sign-in": "Sign-ins",
    "security": "Security changes",
    "devices": "Devices",
    "admin": "Operator actions",
}

#: How each method reads inside a sentence ("Signed in with ...").
METHOD_WORDS: dict[str, str] = {
    "pwd": "your password",
    "totp": "an authenticator app",
    "recovery_code": "a recovery code",
    "sms": "a text message code",
    "email": "an email code",
    "webauthn": "a security key",
    "passkey": "a passkey",
    "trusted_device": "a remembered device",
}

_FAILED_SIGN_IN: dict[str, str] = {
    "bad_password": "Sign-in failed: wrong password",
    "unknown_account": "Sign-in failed: no such account",
    "throttled": "Sign-in refused: too many attempts",
    "locked": "Sign-in refused: sign-in is locked",
}

_SENTENCES: dict[str, str] = {
    "login_password": "Password accepted; the second step was asked",
    "logout": "Signed out",
    "session_revoked": "Signed out a device",
    "sessions_revoked": "Signed out all other devices",
    "account_created": "Created the account",
    "email_verified": "Confirmed the email address",
    "mfa_disabled": "Turned off two-factor authentication",
    "recovery_codes_regenerated": "Made new recovery codes; the old ones stopped working",
    "recovery_code_used": "Used a recovery code",
    "password_changed": "Changed the password",
    "password_reset": "Reset the password through the emailed link",
    "password_reset_requested": "Asked for a password reset link",
    "not_me": "Reported \"this wasn't me\": every device was signed out",
    "trusted_device_added": "Remembered this device for sign-in",
    "trusted_device_revoked": "Stopped remembering a device",
    "trusted_device_replayed": "An old remembered-device token was used again; the device was"
                               " forgotten",
    "admin_reset_2fa": "An operator reset two-factor authentication",
    "admin_unlock": "An operator unlocked sign-in",
    # OpenID Connect (issue #7)
    "oidc_signed_in": "Signed in to a shop through SecondLock",
    "oidc_code_replayed": "A shop's sign-in code was used twice; what it gave was revoked",
    "oidc_refresh_replayed": "An old shop token was used again; that shop's access was revoked",
    "oidc_app_disconnected": "Disconnected a shop from the account",
}


@dataclass(frozen=True)
class ActivityFacts:
    event: str
    success: bool
    method: str | None = None
    reason: str | None = None


def kind_of(event: str) -> str:
    for kind, events in KINDS.items():
        if event in events:
            return kind
    return "other"


def method_words(method: str | None) -> str:
    if not method:
        return "an unknown method"
    return METHOD_WORDS.get(method, method.replace("_", " "))


def what_happened(facts: ActivityFacts) -> str:
    """The sentence's verb part, e.g. "Signed in with an authenticator app"."""
    event, method = facts.event, facts.method
    if event == "login":
        if facts.success:
            return f"Signed in with {method_words(method)}"
        return _FAILED_SIGN_IN.get(facts.reason or "", "Sign-in failed")
    if event == "login_second_step":
        if facts.success:
            return f"Second step passed with {method_words(method)}"
        if facts.reason == "locked":
            return "Second step refused: too many wrong codes, sign-in is locked"
        return f"Second step failed: wrong code from {method_words(method)}"
    if event == "reauth":
        if facts.success:
            return f"Confirmed it's you with {method_words(method)}"
        return f"Confirming it's you failed with {method_words(method)}"
    if event in ("mfa_enabled", "authenticator_added"):
        prefix = "Turned on two-factor authentication with" if event == "mfa_enabled" \
            else "Added"
        return f"{prefix} {method_words(method)}"
    if event == "authenticator_removed":
        return f"Removed {method_words(method)}"
    if event == "authenticator_renamed":
        return f"Renamed {method_words(method)}"
    if event == "trusted_device_used":
        return "Signed in on a remembered device without a code"
    sentence = _SENTENCES.get(event)
    if sentence is not None:
        return sentence if facts.success else f"{sentence} (failed)"
    words = event.replace("_", " ")
    return f"Account event: {words}" + ("" if facts.success else " (failed)")


def describe(facts: ActivityFacts, *, device: str, ip: str) -> str:
    """The whole sentence without the time, which pages show as "5 minutes ago"."""
    where = f" on {device}" if device and device != "Unknown device" else ""
    if ip == "cli":
        origin = ", from the command line"
        where = ""
    else:
        origin = f", from {ip}" if ip and ip != "-" else ""
    return f"{what_happened(facts)}{where}{origin}"
