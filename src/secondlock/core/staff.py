"""Staff roles and what each may do: pure rules, no I/O.

Staff are ordinary accounts given a role. ``support`` helps shoppers (search, read, unlock,
sign out, reset 2FA); ``admin`` may also approve resets and read the audit log.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SUPPORT = "support"
    ADMIN = "admin"


class StaffAction(StrEnum):
    """What staff do, by the names stored in the audit log."""

    SEARCH = "search"
    VIEW_ACCOUNT = "view_account"
    VIEW_ACTIVITY = "view_activity"
    UNLOCK = "unlock"
    SIGN_OUT = "sign_out"
    RESET_2FA = "reset_2fa"
    RESET_2FA_REQUESTED = "reset_2fa_requested"
    APPROVE_RESET = "approve_reset"
    READ_AUDIT = "read_audit"


#: What a support member may do; an admin may do all of it and more.
SUPPORT_ACTIONS: frozenset[StaffAction] = frozenset({
    StaffAction.SEARCH, StaffAction.VIEW_ACCOUNT, StaffAction.VIEW_ACTIVITY,
    StaffAction.UNLOCK, StaffAction.SIGN_OUT, StaffAction.RESET_2FA,
    StaffAction.RESET_2FA_REQUESTED})
ADMIN_ACTIONS: frozenset[StaffAction] = frozenset(
    {*SUPPORT_ACTIONS, StaffAction.APPROVE_RESET, StaffAction.READ_AUDIT})

#: Actions that change a shopper's account: never on the staff member's own account.
CHANGES: frozenset[StaffAction] = frozenset({
    StaffAction.UNLOCK, StaffAction.SIGN_OUT, StaffAction.RESET_2FA,
    StaffAction.RESET_2FA_REQUESTED, StaffAction.APPROVE_RESET})

#: The shopper's activity event for each change (always starting with ``staff_``).
SHOPPER_EVENTS: dict[StaffAction, str] = {
    StaffAction.UNLOCK: "staff_unlock",
    StaffAction.SIGN_OUT: "staff_sign_out",
    StaffAction.RESET_2FA: "staff_reset_2fa",
}

#: Staff sessions (the console) idle out sooner than a shopper's.
STAFF_IDLE_MINUTES = 15
#: ``amr`` values that prove a phishing-resistant factor (RFC 8176: hardware-bound key).
PHISHING_RESISTANT_AMR: frozenset[str] = frozenset({"hwk", "swk"})
#: How API keys start, so a leaked one is recognisable in logs and scanners.
API_KEY_PREFIX = "slk_"


def may(role: str, action: StaffAction) -> bool:
    """Whether a staff member of ``role`` may do ``action`` (an unknown role: nothing)."""
    if role == Role.ADMIN:
        return action in ADMIN_ACTIONS
    if role == Role.SUPPORT:
        return action in SUPPORT_ACTIONS
    return False


def phishing_resistant(amr: str) -> bool:
    """Whether a session's ``amr`` (space separated) includes a security key or passkey."""
    return bool(PHISHING_RESISTANT_AMR.intersection(amr.split()))
