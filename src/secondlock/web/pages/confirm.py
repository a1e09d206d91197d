"""Confirm it's you (/account/confirm): renews the sign-in time before a sensitive change.

One form and one check for every page that needs a fresh authentication, also the OIDC
step-up page (``web.oidc.authorize``): ``check_its_you`` hands the password, the method and
the code to ``ReauthService``, which decides what counts (a second factor when two-factor
authentication is on, else the password). The page offers the ways ``ways`` lists: the app,
a text or email code, a recovery code (and a security key: ``security_keys``). ``next`` may
only name a page of the account area.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import NotFoundError, SecondLockError
from secondlock.core.methods import CODE_METHODS, SMS_EMAIL_METHODS, Method
from secondlock.core.views import SessionView
from secondlock.services.methods.sms_email_code_checks import email_session_counts
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.rendering import Pages, error_status, redirect, safe_next

#: The ways to confirm by typing a code, strongest first.
REAUTH_METHODS = (Method.TOTP, Method.SMS, Method.EMAIL, Method.RECOVERY_CODE)

router = APIRouter(include_in_schema=False)


def factors(pages: Pages, request: Request, view: SessionView) -> tuple[str, ...]:
    """The second factors the account has (none while two-factor authentication is off)."""
    if not view.mfa_enabled:
        return ()
    return tuple(pages.services(request).authenticators.summary(view.account_id).methods)


def ways(pages: Pages, request: Request, view: SessionView) -> tuple[str, ...]:
    """The codes this account can confirm it's you with, strongest first (no email code
    where a stronger factor exists: see ``email_session_counts`` in
    ``services.methods.sms_email_code_checks``)."""
    usable = tuple(m for m in REAUTH_METHODS if m in factors(pages, request, view))
    if Method.EMAIL in usable and not email_session_counts(pages.services(request).rt,
                                                           view.account_id):
        usable = tuple(m for m in usable if m != Method.EMAIL)
    return usable


def typed_method(wanted: str | None, has: tuple[str, ...]) -> str:
    """The code the form asks for: the one wanted, else the app; a key-only account types
    a recovery code instead."""
    method = wanted if wanted in CODE_METHODS else Method.TOTP
    if method == Method.TOTP and Method.TOTP not in has and Method.RECOVERY_CODE in has:
        return Method.RECOVERY_CODE
    return str(method)


def check_its_you(pages: Pages, request: Request, view: SessionView,
                  form: Form) -> SecondLockError | None:
    """Check the confirm form; the service decides whether the password or a code counts.

    Returns the refusal, or None when the session's sign-in time is renewed.
    """
    method = form.get("method", "")
    try:
        pages.services(request).reauth.reauth(
            view, request_info(request), password=form.get("password", ""),
            method=method if method in CODE_METHODS else Method.TOTP, code=form.get("code", ""))
    except SecondLockError as exc:
        return exc
    return None


def _switch(next_path: str) -> Callable[[str], str]:
    return lambda method: "/account/confirm?" + urlencode({"next": next_path, "method": method})


def confirm_page(pages: Pages, request: Request, view: SessionView, next_path: str,
                 method: str, *, error: SecondLockError | None = None) -> Response:
    """The confirm form for ``method`` (a text or email code has its own page)."""
    if view.mfa_enabled and method in SMS_EMAIL_METHODS:
        return _code_sent_page(pages, request, view, next_path, method, error=error)
    status, headers = error_status(error) if error else (200, {})
    has = factors(pages, request, view)
    return pages.render(request, "confirm.html", status=status, headers=headers,
                        methods=ways(pages, request, view), user=view, next_path=next_path,
                        method=typed_method(method, has), error=error,
                        has_keys=Method.WEBAUTHN in has, has_app=Method.TOTP in has,
                        switch_url=_switch(next_path))


def _code_sent_page(pages: Pages, request: Request, view: SessionView, next_path: str,
                    method: str, *, error: SecondLockError | None = None) -> Response:
    """Confirm it's you with an SMS or email code: send it, then type it."""
    try:
        pending = pages.services(request).sms_email_codes.pending_reauth(view, method)
    except NotFoundError:
        return redirect(_switch(next_path)(Method.TOTP))
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "confirm_oob.html", status=status, headers=headers,
                        user=view, next_path=next_path, method=method, error=error,
                        pending=pending,
                        others=[m for m in ways(pages, request, view) if m != method],
                        switch_url=_switch(next_path))


def _back(request: Request, form: Form) -> str:
    return "/account/confirm?" + urlencode({"next": safe_next(form.get("next"))})


ConfirmForm = Annotated[Form, checked_form(_back)]


@router.get("/account/confirm")
def confirm_form(request: Request, pages: Renderer, view: SignedIn) -> Response:
    method = request.query_params.get("method", "")
    if method not in CODE_METHODS:
        usable = ways(pages, request, view)
        method = usable[0] if usable else Method.TOTP
    return confirm_page(pages, request, view, safe_next(request.query_params.get("next")),
                        method)


@router.post("/account/confirm")
def confirm(request: Request, pages: Renderer, view: SignedIn, form: ConfirmForm) -> Response:
    next_path = safe_next(form.get("next"))
    refused = check_its_you(pages, request, view, form)
    if refused is not None:
        method = form.get("method", "")
        return confirm_page(pages, request, view, next_path,
                            method if method in CODE_METHODS else Method.TOTP, error=refused)
    return pages.renew_session(request, redirect(next_path + "?notice=confirmed"), view)


@router.post("/account/confirm/send")
def send_code(request: Request, pages: Renderer, view: SignedIn,
              form: ConfirmForm) -> Response:
    """Send a text or email code to confirm it's you with."""
    next_path = safe_next(form.get("next"))
    method = form.get("method", "")
    if method not in SMS_EMAIL_METHODS:
        return redirect("/account/confirm?" + urlencode({"next": next_path}))
    try:
        pages.services(request).sms_email_codes.send_reauth_code(view, method,
                                                                 request_info(request))
    except SecondLockError as exc:
        return confirm_page(pages, request, view, next_path, method, error=exc)
    return redirect(_switch(next_path)(method))
