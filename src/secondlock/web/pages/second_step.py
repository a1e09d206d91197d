"""The second sign-in step (/login/verify): a code from the app, a recovery code, an SMS or
email code (its page lives in ``sms_email_codes``), or a security key (``security_keys``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import MfaTokenExpiredError, NotAuthenticatedError, SecondLockError
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS, Method
from secondlock.web.deps import request_info
from secondlock.web.pages import sms_email_codes
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, checked_form
from secondlock.web.pages.pending_sign_in import (
    PAGE_METHODS,
    expired,
    finish_sign_in,
    read_mfa_cookie,
)
from secondlock.web.pages.rendering import Pages, error_status, redirect

router = APIRouter(include_in_schema=False)


def verify_page(pages: Pages, request: Request, methods: tuple[str, ...], method: str, *,
                error: SecondLockError | None = None, token: str = "") -> Response:
    """The second step's form for ``method`` (with the ways to switch to the others)."""
    if method in SMS_EMAIL_METHODS:
        return sms_email_codes.verify_page(pages, request, token, methods, method,
                                           error=error)
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "login_verify.html", status=status, headers=headers,
                        methods=methods, method=method, error=error,
                        remember_days=pages.settings.trusted_device_days)


def _pick(methods: tuple[str, ...], wanted: str | None, *, codes_only: bool = False) -> str:
    offered = CODE_METHODS if codes_only else PAGE_METHODS
    if wanted in offered:
        return str(wanted)
    return next((m for m in methods if m in offered), Method.TOTP)


@router.get("/login/verify")
def verify_form(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    if view is not None:
        return redirect("/account")
    pending = read_mfa_cookie(request, pages.settings)
    if pending is None:
        return expired(pages.settings)
    token, methods = pending
    return verify_page(pages, request, methods,
                       _pick(methods, request.query_params.get("method")), token=token)


@router.post("/login/verify")
def verify(request: Request, pages: Renderer,
           form: Annotated[Form, checked_form("/login/verify")]) -> Response:
    settings = pages.settings
    pending = read_mfa_cookie(request, settings)
    if pending is None:
        return expired(settings)
    token, methods = pending
    method = _pick(methods, form.get("method"), codes_only=True)
    try:
        result = pages.services(request).second_step.verify(
            token, method, form.get("code", ""), request_info(request),
            remember=form.get("remember_device") == "1")
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return expired(settings)
    except SecondLockError as exc:
        return verify_page(pages, request, methods, method, error=exc, token=token)
    if result.session is None:
        return expired(settings)
    # The account page reads how many recovery codes are left and nudges when few are.
    return finish_sign_in(request, settings, result.session.token, result.device_token,
                          recovery_cancelled=result.recovery_cancelled,
                          then="/account?notice=recovery-code-used"
                          if method == Method.RECOVERY_CODE else "/account")
