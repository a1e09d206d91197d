"""Requiring two-factor authentication on the pages (SECONDLOCK_REQUIRE_2FA, issue #16).

Past its grace period, a session of an account without a factor is led into the
authenticator-app wizard from any page but the few that add a factor, confirm it's you,
switch the language or sign out. ``Pages.current`` raises ``EnrollmentRequired``; the handler
installed here turns it into a redirect. During the grace period ``base.html`` shows a
banner that counts the days down.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

#: The wizard: install an app, scan, confirm, save the recovery codes.
WIZARD_PATH = "/account/security/totp"
#: Pages that add a factor (app, security key, SMS, email) or that adding one needs.
_OPEN_PREFIXES = ("/account/security", "/account/confirm")
_CLOSED = frozenset({"/account/security/turn-off", "/account/security/apps/remove",
                     "/account/security/keys/remove"})
_OPEN = frozenset({"/logout", "/language", "/dev/outbox"})


class EnrollmentRequired(Exception):
    """The signed-in account must add a second factor before anything else."""


def enrollment_page(path: str) -> bool:
    """Whether a session that must enroll may open this page."""
    if path in _OPEN:
        return True
    if path in _CLOSED:
        return False
    return any(path == prefix or path.startswith(prefix + "/") for prefix in _OPEN_PREFIXES)


def install(app: FastAPI) -> None:
    async def to_wizard(request: Request, exc: Exception) -> Response:
        return RedirectResponse(f"{WIZARD_PATH}?notice=enroll-required", status_code=303)

    app.add_exception_handler(EnrollmentRequired, to_wizard)
