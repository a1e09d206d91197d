"""The pending sign-in between a correct password and the second step.

After a correct password, an account with two-factor authentication gets a pending sign-in
(``mfa_token``). The token lives only in a short-lived HttpOnly, SameSite=Lax cookie (with
the ``__Host-`` prefix over https), never in a URL; it opens no page but the second step's.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from secondlock.config import Settings
from secondlock.core.methods import CODE_METHODS, Method
from secondlock.services.sign_in import LoginResult
from secondlock.web.cookies import (
    clear_device_cookie,
    read_device_cookie,
    set_device_cookie,
    set_session_cookie,
)
from secondlock.web.oidc.return_to import redirect_after_sign_in
from secondlock.web.pages.rendering import redirect

#: Matches the pending sign-in's own lifetime (services.login.MFA_TOKEN_MINUTES).
MFA_COOKIE_SECONDS = 300
#: What the pending sign-in's cookie may name: the code methods plus a security key.
PAGE_METHODS = (Method.WEBAUTHN, *CODE_METHODS)
MAX_COOKIE_CHARS = 512
#: "Sign out and test" (after turning 2FA on) is remembered this long, so the sign-in that
#: follows can say "your setup works". The cookie holds no secret: only that a test is on.
SETUP_TEST_SECONDS = 3600


def mfa_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_mfa" if settings.is_https else "secondlock_mfa"


def set_mfa_cookie(response: Response, settings: Settings, token: str,
                   methods: tuple[str, ...]) -> None:
    # The methods ride along only to pick the right form; the server checks every code.
    value = token + "." + ":".join(m for m in methods if m in PAGE_METHODS)
    response.set_cookie(mfa_cookie_name(settings), value, max_age=MFA_COOKIE_SECONDS,
                        httponly=True, samesite="lax", secure=settings.is_https, path="/")


def setup_test_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_setup_test" if settings.is_https else "secondlock_setup_test"


def start_setup_test(response: Response, settings: Settings) -> None:
    """The shopper signs out to test a fresh setup: the next full sign-in says it worked."""
    response.set_cookie(setup_test_cookie_name(settings), "1", max_age=SETUP_TEST_SECONDS,
                        httponly=True, samesite="lax", secure=settings.is_https, path="/")


def clear_mfa_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(mfa_cookie_name(settings), path="/", httponly=True,
                           samesite="lax", secure=settings.is_https)


def read_mfa_cookie(request: Request, settings: Settings) -> tuple[str, tuple[str, ...]] | None:
    """The pending sign-in's token and methods, or None."""
    raw = request.cookies.get(mfa_cookie_name(settings), "")
    token, _, methods = raw.partition(".")
    if not token or len(raw) > MAX_COOKIE_CHARS:
        return None
    return token, tuple(m for m in methods.split(":") if m in PAGE_METHODS)


def expired(settings: Settings) -> Response:
    """The pending sign-in is gone (too old, used, or never there): start again."""
    response = redirect("/login?notice=mfa-expired")
    clear_mfa_cookie(response, settings)
    return response


def finish_sign_in(request: Request, settings: Settings, session_token: str,
              device_token: str | None, *, then: str = "/account",
              recovery_cancelled: bool = False) -> Response:
    """The second step is done: the new session's cookie, the pending sign-in's gone, the
    device remembered when asked; on to ``then`` (or back to the shop, for OIDC). A sign-in
    that stopped a pending recovery says so on the account page."""
    testing = request.cookies.get(setup_test_cookie_name(settings)) == "1"
    if recovery_cancelled:
        then = "/account?notice=recovery-cancelled"
    elif testing and then == "/account":
        then = "/account?notice=setup-works"
    response = redirect_after_sign_in(request, settings, then)
    if testing:
        response.delete_cookie(setup_test_cookie_name(settings), path="/", httponly=True,
                               samesite="lax", secure=settings.is_https)
    set_session_cookie(response, settings, session_token)
    clear_mfa_cookie(response, settings)
    if device_token is not None:
        set_device_cookie(response, settings, device_token)
    return response


def after_password(request: Request, settings: Settings, result: LoginResult) -> Response:
    """Where a correct password leads: the account, or the second step. A remembered
    device gets its replacement token; a device token that no longer works is dropped."""
    if result.session is not None:
        response = redirect_after_sign_in(request, settings, "/account")  # OIDC: back to the shop
        set_session_cookie(response, settings, result.session.token)
        if read_mfa_cookie(request, settings):
            clear_mfa_cookie(response, settings)
        if result.device_token is not None:
            set_device_cookie(response, settings, result.device_token)
        return response
    if result.mfa_token is None:  # neither: start over rather than fail
        return redirect("/login")
    response = redirect("/login/verify")
    set_mfa_cookie(response, settings, result.mfa_token, result.methods)
    if read_device_cookie(request, settings) is not None:
        clear_device_cookie(response, settings)
    return response
