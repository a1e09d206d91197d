"""The ways to prove who you are, by the names stored in the database and shown in activity.

``Method`` is a ``StrEnum``: its members compare equal to the stored strings, so rows written
before the enum existed read back unchanged, and ``Method.TOTP == "totp"``.
"""

from __future__ import annotations

from enum import StrEnum


class Method(StrEnum):
    """A sign-in method. The first five are second factors an account can set up."""

    TOTP = "totp"  # an authenticator app
    RECOVERY_CODE = "recovery_code"
    SMS = "sms"
    EMAIL = "email"
    WEBAUTHN = "webauthn"  # a security key (or passkey) as the second step
    #: Activity only: the password alone, a remembered device, a passkey without password.
    PASSWORD = "pwd"  # noqa: S105 (a method name, not a password)
    REMEMBERED_DEVICE = "trusted_device"
    PASSKEY = "passkey"


#: SMS and email codes: sent to a phone or an address, checked the same way.
SMS_EMAIL_METHODS: tuple[Method, ...] = (Method.SMS, Method.EMAIL)
#: Second factors proven by typing a code.
CODE_METHODS: tuple[Method, ...] = (Method.TOTP, Method.RECOVERY_CODE, *SMS_EMAIL_METHODS)
#: Second factors an account can have, strongest first, as the sign-in page offers them.
SECOND_FACTORS: tuple[Method, ...] = (Method.WEBAUTHN, Method.TOTP, Method.SMS, Method.EMAIL,
                                      Method.RECOVERY_CODE)
