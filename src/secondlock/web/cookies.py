"""The session cookie: HttpOnly, SameSite=Lax, and Secure + __Host- prefix over https."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from secondlock.config import Settings


def session_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_session" if settings.is_https else "secondlock_session"


def read_session_cookie(request: Request, settings: Settings) -> str | None:
    return request.cookies.get(session_cookie_name(settings))


def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    # A session cookie (no Max-Age): the server enforces idle and absolute timeouts.
    response.set_cookie(session_cookie_name(settings), token, httponly=True, samesite="lax",
                        secure=settings.is_https, path="/")


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(session_cookie_name(settings), path="/", httponly=True,
                           samesite="lax", secure=settings.is_https)


def device_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_device" if settings.is_https else "secondlock_device"


def read_device_cookie(request: Request, settings: Settings) -> str | None:
    """The remembered-device token this browser holds, if any (checked by the server)."""
    value = request.cookies.get(device_cookie_name(settings))
    return value if value and len(value) <= 256 else None


def set_device_cookie(response: Response, settings: Settings, token: str) -> None:
    # Kept as long as the server remembers the device; the server's expiry is what counts.
    response.set_cookie(device_cookie_name(settings), token,
                        max_age=settings.trusted_device_days * 86400, httponly=True,
                        samesite="lax", secure=settings.is_https, path="/")


def clear_device_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(device_cookie_name(settings), path="/", httponly=True,
                           samesite="lax", secure=settings.is_https)
