"""Errors raised by the domain and the services.

Every error carries a machine-readable ``code`` that matches the API contract; the
mapping from code to HTTP status lives only in ``secondlock.web.problems``.

    SecondLockError
    ├── InvalidCredentialsError      invalid_credentials
    ├── EmailTakenError              email_taken
    ├── InvalidEmailError            invalid_email
    ├── WeakPasswordError            weak_password (+ reason)
    ├── NotAuthenticatedError        not_authenticated
    ├── NotFoundError                not_found
    ├── InvalidCodeError             invalid_code
    │   └── CodeAlreadyUsedError     code_used (an app code whose time step was used)
    ├── MfaTokenExpiredError         mfa_token_expired
    ├── ReauthRequiredError          reauth_required
    ├── SecondFactorRequiredError    second_factor_required
    ├── EnrollmentRequiredError      enrollment_required
    ├── ConflictError                conflict
    ├── InvalidTokenError            invalid_token
    ├── RateLimitedError             too_many_attempts (+ retry_after)
    ├── ResetLinkExpiredError        reset_link_expired
    ├── WrongPasswordError           invalid_current_password
    ├── RecoveryWaitingError         recovery_waiting (+ ready_at)
    ├── RecoveryPendingError         recovery_pending
    ├── RecoveryEndedError           recovery_ended
    ├── RecoveryLinkExpiredError     recovery_link_expired
    ├── ForbiddenError               forbidden
    ├── SamePersonError              same_person
    └── DatabaseUnavailableError     database_unavailable (+ retry_after)
"""

from __future__ import annotations

from datetime import datetime

from secondlock.core.i18n import msg, nmsg


class SecondLockError(Exception):
    """Base class: a client-facing failure with a stable machine-readable code."""

    code = "error"
    title = msg("Request failed")

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class InvalidCredentialsError(SecondLockError):
    code = "invalid_credentials"
    title = msg("Email or password is not correct")


class EmailTakenError(SecondLockError):
    code = "email_taken"
    title = msg("An account with this email already exists")


class InvalidEmailError(SecondLockError):
    code = "invalid_email"
    title = msg("This email address is not valid")


class WeakPasswordError(SecondLockError):
    """The new password breaks the password policy; ``reason`` says which rule."""

    code = "weak_password"
    title = msg("Choose a different password")

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(detail)


class NotAuthenticatedError(SecondLockError):
    code = "not_authenticated"
    title = msg("Sign in first")


class NotFoundError(SecondLockError):
    code = "not_found"
    title = msg("Not found")


class InvalidTokenError(SecondLockError):
    code = "invalid_token"
    title = msg("This link is not valid or has expired")


class InvalidCodeError(SecondLockError):
    code = "invalid_code"
    title = msg("That code did not work")


class CodeAlreadyUsedError(InvalidCodeError):
    """A right app code from a time step that was already used (a replay, not a typo)."""

    code = "code_used"
    title = msg("That code was already used")


class MfaTokenExpiredError(SecondLockError):
    code = "mfa_token_expired"
    title = msg("This sign-in took too long")


class ReauthRequiredError(SecondLockError):
    code = "reauth_required"
    title = msg("Confirm it's you")


class EnrollmentRequiredError(SecondLockError):
    """Two-factor authentication is required: this session may only add a factor."""

    code = "enrollment_required"
    title = msg("Add a second factor first")

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail or msg("This service requires two-factor authentication. Add "
                                       "an authenticator app, a security key, or a phone "
                                       "first; until then this session can only do that."))


class SecondFactorRequiredError(SecondLockError):
    code = "second_factor_required"
    title = msg("Confirm with your second factor")


class ConflictError(SecondLockError):
    code = "conflict"
    title = msg("This cannot be done in the current state")


class RateLimitedError(SecondLockError):
    """Too many attempts; try again after ``retry_after`` seconds."""

    code = "too_many_attempts"
    title = msg("Too many attempts")

    def __init__(self, retry_after: int, detail: str | None = None) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(detail or nmsg("Too many attempts. Try again in %(n)d second.",
                                        "Too many attempts. Try again in %(n)d seconds.",
                                        self.retry_after))


# Password reset and change ---------------------------------------------------------------
class ResetLinkExpiredError(SecondLockError):
    """A password-reset link that was used already, voided by a newer one, or expired."""

    code = "reset_link_expired"
    title = msg("This password reset link has expired")


class WrongPasswordError(SecondLockError):
    """The current password given with a password change is not the account's password."""

    code = "invalid_current_password"
    title = msg("Your current password is not correct")


# Recovery with a waiting period (issue #15) ---------------------------------------------
class RecoveryWaitingError(SecondLockError):
    """The recovery cannot finish yet: its waiting period ends at ``ready_at``."""

    code = "recovery_waiting"
    title = msg("The waiting period is not over yet")

    def __init__(self, ready_at: datetime, detail: str | None = None) -> None:
        self.ready_at = ready_at
        super().__init__(detail)


class RecoveryPendingError(SecondLockError):
    code = "recovery_pending"
    title = msg("A recovery of this account is already under way")


class RecoveryEndedError(SecondLockError):
    """The recovery was cancelled or has already finished."""

    code = "recovery_ended"
    title = msg("This recovery has ended")


class RecoveryLinkExpiredError(SecondLockError):
    code = "recovery_link_expired"
    title = msg("This recovery link has expired or was already used")


# Staff (issue #14) -------------------------------------------------------------------------
class ForbiddenError(SecondLockError):
    """The staff member's role does not allow this, or it is their own account."""

    code = "forbidden"
    title = msg("You may not do this")


class SamePersonError(SecondLockError):
    """A reset's requester tried to approve it: a second person must."""

    code = "same_person"
    title = msg("Another admin must approve this")


class DatabaseUnavailableError(SecondLockError):
    """The database did not answer (restarting, unreachable, every connection busy).

    Raised by storage in place of the driver's error; nothing of the request was committed,
    so the client may simply try again after ``retry_after`` seconds.
    """

    code = "database_unavailable"
    title = msg("The service is briefly unavailable")

    def __init__(self, retry_after: int = 1) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(msg("Please try again in a moment."))


__all__ = [
    "ConflictError",
    "DatabaseUnavailableError",
    "EmailTakenError",
    "ForbiddenError",
    "InvalidCodeError",
    "InvalidCredentialsError",
    "InvalidEmailError",
    "InvalidTokenError",
    "MfaTokenExpiredError",
    "NotAuthenticatedError",
    "NotFoundError",
    "RateLimitedError",
    "ReauthRequiredError",
    "RecoveryEndedError",
    "RecoveryLinkExpiredError",
    "RecoveryPendingError",
    "RecoveryWaitingError",
    "ResetLinkExpiredError",
    "SamePersonError",
    "SecondFactorRequiredError",
    "SecondLockError",
    "WeakPasswordError",
    "WrongPasswordError",
]
