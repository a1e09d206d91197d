"""The forced password change: after "this wasn't me", every page of a signed-in session
leads to "choose a new password" until the shopper has chosen one.

``Pages.current`` raises ``PasswordChangeRequired`` for such a session on any page but the
few below; the handler installed here turns it into a redirect.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

#: The page that asks for the new password (also the normal "Change password" page).
CHANGE_PASSWORD_PATH = "/account/password"  # noqa: S105 - a page address
#: Pages a session with a forced change may still open.
EXEMPT_PATHS = frozenset({CHANGE_PASSWORD_PATH, "/account/confirm", "/logout", "/dev/outbox"})


class PasswordChangeRequired(Exception):
    """The signed-in account must choose a new password before anything else."""


def install(app: FastAPI) -> None:
    async def to_change_page(request: Request, exc: Exception) -> Response:
        return RedirectResponse(CHANGE_PASSWORD_PATH, status_code=303)

    app.add_exception_handler(PasswordChangeRequired, to_change_page)
