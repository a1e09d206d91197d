"""Errors of SMS and email codes (their HTTP status lives in ``web.problems``).

    SecondLockError
    ├── InvalidPhoneError       invalid_phone (422)
    ├── DeliveryFailedError     delivery_failed (503): no text can be sent (SMS off, or
    │                           the number's country); a gateway that fails later shows
    │                           in the code's delivery state instead (the outbox, #13)
    └── SameChannelError        same_channel (403): an email code right after a password
                                reset through that same mailbox
"""

from __future__ import annotations

from secondlock.core.errors import SecondLockError
from secondlock.core.i18n import msg


class InvalidPhoneError(SecondLockError):
    code = "invalid_phone"
    title = msg("This phone number cannot be used")


class DeliveryFailedError(SecondLockError):
    code = "delivery_failed"
    title = msg("We could not send the code")


class SameChannelError(SecondLockError):
    code = "same_channel"
    title = msg("Use another way to confirm it's you")


SAME_CHANNEL_TEXT = msg("Your password was just reset through your email, so a code sent to "
                        "the same mailbox cannot be your second step. Use another way, such as "
                        "your authenticator app, a text message or a recovery code.")

__all__ = ["SAME_CHANNEL_TEXT", "DeliveryFailedError", "InvalidPhoneError", "SameChannelError"]
