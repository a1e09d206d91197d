"""CSRF protection for the HTML forms: a signed double-submit token plus an Origin check.

The browser holds a random value in an HttpOnly cookie; every form carries an HMAC of that
value (bound to the session cookie when there is one). A cross-site page can neither read
the cookie nor compute the HMAC. Requests whose Origin (or Referer) names another site are
refused even before that.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from secondlock.config import Settings

CSRF_FIELD = "csrf_token"


def _cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_csrf" if settings.is_https else "secondlock_csrf"


def _sign(settings: Settings, seed: str, session: str) -> str:
    mac = hmac.new(settings.secret_key_bytes, b"csrf\x00" + seed.encode() + b"\x00"
                   + hashlib.sha256(session.encode()).digest(), hashlib.sha256)
    return mac.hexdigest()


def csrf_token(request: Request, response_cookies: dict[str, str], settings: Settings,
               session_token: str | None) -> str:
    """The token to put in a form; schedules the seed cookie when the browser has none."""
    seed = request.cookies.get(_cookie_name(settings))
    if not seed or len(seed) > 128:
        seed = response_cookies.setdefault(_cookie_name(settings), secrets.token_urlsafe(32))
    return _sign(settings, seed, session_token or "")


def apply_cookies(response: Response, cookies: dict[str, str], settings: Settings) -> None:
    for name, value in cookies.items():
        response.set_cookie(name, value, httponly=True, samesite="strict",
                            secure=settings.is_https, path="/")


def same_origin(request: Request, settings: Settings) -> bool:
    """False when the browser says the request came from another site."""
    origin = request.headers.get("origin")
    if origin and origin != "null":
        return origin.rstrip("/").lower() == settings.origin
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() == settings.origin
    return origin != "null"


def check_csrf(request: Request, submitted: str | None, settings: Settings,
               session_token: str | None) -> bool:
    if not same_origin(request, settings):
        return False
    seed = request.cookies.get(_cookie_name(settings))
    if not seed or not submitted or len(submitted) > 128:
        return False
    return hmac.compare_digest(_sign(settings, seed, session_token or ""), submitted)
