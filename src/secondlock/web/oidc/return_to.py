"""Back to the shop after signing in: the authorization request waits in a short cookie.

When ``/oidc/authorize`` sends a shopper to the sign-in page, it keeps the request's own URL
(``/oidc/authorize/continue?...``, nothing else is accepted) in an HttpOnly cookie; the
sign-in pages call ``redirect_after_sign_in`` and land there instead of on the account page.
"""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from starlette.requests import Request

from secondlock.config import Settings

CONTINUE_PATH = "/oidc/authorize/continue"
COOKIE_SECONDS = 600
MAX_CHARS = 3000


def _name(settings: Settings) -> str:
    return "__Host-secondlock_oidc" if settings.is_https else "secondlock_oidc"


def remember(response: RedirectResponse, settings: Settings, target: str) -> None:
    if target.startswith(CONTINUE_PATH + "?") and len(target) <= MAX_CHARS:
        response.set_cookie(_name(settings), target, max_age=COOKIE_SECONDS, httponly=True,
                            samesite="lax", secure=settings.is_https, path="/")


def pending_target(request: Request, settings: Settings) -> str | None:
    raw = request.cookies.get(_name(settings), "")
    if raw.startswith(CONTINUE_PATH + "?") and len(raw) <= MAX_CHARS and "\n" not in raw:
        return raw
    return None


def redirect_after_sign_in(request: Request, settings: Settings, default: str,
                           ) -> RedirectResponse:
    """Where a completed sign-in leads: a waiting authorization request, else ``default``."""
    target = pending_target(request, settings)
    response = RedirectResponse(target or default, status_code=303)
    if target is not None:
        response.delete_cookie(_name(settings), path="/", httponly=True, samesite="lax",
                               secure=settings.is_https)
    return response
