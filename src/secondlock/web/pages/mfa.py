"""The second sign-in step (/login/verify).

After a correct password, an account with two-factor authentication gets a pending sign-in
(``mfa_token``). The token lives only in a short-lived HttpOnly, SameSite=Lax cookie (with
the ``__Host-`` prefix over https), never in a URL; it opens no page but this one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.config import Settings
from secondlock.core.errors import (
    MfaTokenExpiredError,
    NotAuthenticatedError,
    SecondLockError,
)
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS
from secondlock.services.login import LoginResult
from secondlock.web.cookies import (
    clear_device_cookie,
    read_device_cookie,
    set_device_cookie,
    set_session_cookie,
)
from secondlock.web.deps import request_info
from secondlock.web.oidc.return_to import redirect_after_sign_in
from secondlock.web.pages import oob as oob_pages
from secondlock.web.pages.rendering import FormFields, Pages, error_status, redirect

#: Matches the pending sign-in's own lifetime (services.login.MFA_TOKEN_MINUTES).
MFA_COOKIE_SECONDS = 300
#: The second steps these pages offer, in the order they are offered.
#: What the pending sign-in's cookie may name: the code methods plus a security key.
PAGE_METHODS = ("webauthn", *CODE_METHODS)
MAX_COOKIE_CHARS = 512


def mfa_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_mfa" if settings.is_https else "secondlock_mfa"


def set_mfa_cookie(response: Response, settings: Settings, token: str,
                   methods: tuple[str, ...]) -> None:
    # The methods ride along only to pick the right form; the server checks every code.
    value = token + "." + ":".join(m for m in methods if m in PAGE_METHODS)
    response.set_cookie(mfa_cookie_name(settings), value, max_age=MFA_COOKIE_SECONDS,
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


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    settings = pages.settings

    def expired() -> Response:
        response = redirect("/login?notice=mfa-expired")
        clear_mfa_cookie(response, settings)
        return response

    def verify_page(request: Request, methods: tuple[str, ...], method: str, *,
                    error: SecondLockError | None = None, token: str = "") -> Response:
        if method in SMS_EMAIL_METHODS:  # SMS and email codes: pages/oob.py
            return oob_pages.verify_page(pages, request, token, methods, method, expired,
                                         error=error)
        status, headers = error_status(error) if error else (200, {})
        return pages.render(request, "login_verify.html", status=status, headers=headers,
                            methods=methods, method=method, error=error,
                            remember_days=settings.trusted_device_days)

    def pick(methods: tuple[str, ...], wanted: str | None, *, codes_only: bool = False) -> str:
        offered = CODE_METHODS if codes_only else PAGE_METHODS
        if wanted in offered:
            return str(wanted)
        return next((m for m in methods if m in offered), "totp")

    @routes.get("/login/verify")
    def verify_form(request: Request) -> Response:
        if pages.current(request) is not None:
            return redirect("/account")
        pending = read_mfa_cookie(request, settings)
        if pending is None:
            return expired()
        methods = pending[1]
        return verify_page(request, methods, pick(methods, request.query_params.get("method")),
                           token=pending[0])

    @routes.post("/login/verify")
    def verify(request: Request, form: FormFields) -> Response:
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/login/verify")
        pending = read_mfa_cookie(request, settings)
        if pending is None:
            return expired()
        token, methods = pending
        method = pick(methods, form.get("method"), codes_only=True)
        try:
            result = pages.services(request).second_step.verify(
                token, method, form.get("code", ""), request_info(request),
                remember=form.get("remember_device") == "1")
        except (MfaTokenExpiredError, NotAuthenticatedError):
            return expired()
        except SecondLockError as exc:
            return verify_page(request, methods, method, error=exc, token=token)
        if result.session is None:
            return expired()
        # The account page reads how many recovery codes are left and nudges when few are.
        response = redirect_after_sign_in(  # OIDC: back to the shop when a sign-in waits
            request, settings, "/account?notice=recovery-code-used"
            if method == "recovery_code" else "/account")
        set_session_cookie(response, settings, result.session.token)
        clear_mfa_cookie(response, settings)
        if result.device_token is not None:
            set_device_cookie(response, settings, result.device_token)
        return response

    return routes
