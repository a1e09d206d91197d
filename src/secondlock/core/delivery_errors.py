"""Errors of SMS and email codes (their HTTP status lives in ``web.problems``).

    SecondLockError
    ├── InvalidPhoneError       invalid_phone (422)
    └── DeliveryFailedError     delivery_failed (503): the gateway could not send; the
                                challenge is kept, so "resend" or another method works
"""

from __future__ import annotations

from secondlock.core.errors import SecondLockError


class InvalidPhoneError(SecondLockError):
    code = "invalid_phone"
    title = "This phone number cannot be used"


class DeliveryFailedError(SecondLockError):
    code = "delivery_failed"
    title = "We could not send the code"


__all__ = ["DeliveryFailedError", "InvalidPhoneError"]
