"""SMS and email codes on the pages (#4): the second step by code, adding a phone or an
address, and what the security page shows about them. ("Confirm it's you" by code is on
the shared confirm page: ``confirm``.)

A GET never sends anything: sending is a POST (CSRF-checked) behind a plain button. The
resend button works without JS (the server refuses early resends with the wait); with
``static/oob.js`` it shows a live countdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import (
    MfaTokenExpiredError,
    NotAuthenticatedError,
    NotFoundError,
    ReauthRequiredError,
    SecondLockError,
)
from secondlock.core.methods import SMS_EMAIL_METHODS, Method
from secondlock.core.views import SessionView
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.factors import SETUP_GONE, SecurityForm, confirmed_factors, factor_id
from secondlock.web.pages.pending_sign_in import expired, read_mfa_cookie
from secondlock.web.pages.recovery_codes import render_codes
from secondlock.web.pages.rendering import Pages, confirm_first, error_status, redirect

#: Where each kind is added (the URLs are a public contract).
START_PATHS = {Method.SMS: "/account/security/phone", Method.EMAIL: "/account/security/email"}
#: The page listing the account's phones and addresses.
PAGE = "/account/security/sms-email"

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class ShownFactor:
    id: str
    type: str
    name: str
    sent_to: str


@dataclass(frozen=True)
class OobSection:
    factors: list[ShownFactor]
    only_weak: str | None  # "sms" or "email" when that is the strongest factor
    sms_available: bool


def security_section(pages: Pages, request: Request, view: SessionView) -> OobSection:
    """What the security page shows about phones and addresses (masked)."""
    services = pages.services(request)
    rows = confirmed_factors(pages, request, view)
    masked = services.sms_email_codes.destinations(view.account_id)
    factors = [ShownFactor(r.id, r.type, r.name, masked.get(r.id, ""))
               for r in rows if r.type in SMS_EMAIL_METHODS]
    kinds = {r.type for r in rows}
    only_weak = None
    if kinds and kinds <= set(SMS_EMAIL_METHODS):
        only_weak = Method.SMS if Method.SMS in kinds else Method.EMAIL
    return OobSection(factors=factors, only_weak=only_weak,
                      sms_available=pages.settings.resolved_sms_provider != "off")


@router.get(PAGE)
def sms_email_page(request: Request, pages: Renderer, view: SignedIn) -> Response:
    """The phones and addresses that get codes: each with rename and remove, and "add"."""
    return pages.render(request, "security_sms_email.html", user=view,
                        factor_count=len(confirmed_factors(pages, request, view)),
                        oob=security_section(pages, request, view))


def verify_page(pages: Pages, request: Request, token: str, methods: tuple[str, ...],
                method: str, *, error: SecondLockError | None = None) -> Response:
    """The second step by SMS or email code (from ``second_step``)."""
    try:
        pending = pages.services(request).sms_email_codes.pending_login(token, method)
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return expired(pages.settings)
    except NotFoundError:  # no such factor (any more): offer what the account has
        others = [m for m in methods if m not in SMS_EMAIL_METHODS]
        return redirect(f"/login/verify?method={others[0]}") if others \
            else expired(pages.settings)
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "login_verify_oob.html", status=status, headers=headers,
                        methods=methods, method=method, error=error, pending=pending,
                        remember_days=pages.settings.trusted_device_days)


@router.post("/login/verify/send")
def send_login_code(request: Request, pages: Renderer,
                    form: Annotated[Form, checked_form("/login/verify")]) -> Response:
    pending = read_mfa_cookie(request, pages.settings)
    method = form.get("method", "")
    if pending is None:
        return expired(pages.settings)
    token, methods = pending
    if method not in SMS_EMAIL_METHODS or method not in methods:
        return redirect("/login/verify")
    try:
        pages.services(request).sms_email_codes.send_login_code(token, method,
                                                                request_info(request))
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return expired(pages.settings)
    except SecondLockError as exc:
        return verify_page(pages, request, token, methods, method, error=exc)
    return redirect(f"/login/verify?method={method}")


# Adding a phone or an address ----------------------------------------------------------
def _start_page(pages: Pages, request: Request, view: SessionView, method: Method, *,
                value: str = "", name: str = "",
                error: SecondLockError | None = None) -> Response:
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "oob_enroll.html", status=status, headers=headers,
                        user=view, method=method, step="start", value=value, name=name,
                        error=error, default_region=pages.settings.sms_default_region,
                        action=START_PATHS[method])


def _code_step(pages: Pages, request: Request, view: SessionView, method: str,
               authenticator_id: str, sent_to: str, resend_in: int, *,
               error: SecondLockError | None = None) -> Response:
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "oob_enroll.html", status=status, headers=headers,
                        user=view, method=method, step="code", sent_to=sent_to,
                        resend_in=resend_in, authenticator_id=authenticator_id,
                        error=error)


def _start(pages: Pages, request: Request, view: SessionView, form: Form,
           method: Method) -> Response:
    field = "phone" if method == Method.SMS else "email"
    value, name = form.get(field, "").strip(), form.get("name", "").strip()
    codes, info = pages.services(request).sms_email_codes, request_info(request)
    try:
        sent = codes.enroll_sms(view, value, name or None, info) if method == Method.SMS \
            else codes.enroll_email(view, value or None, name or None, info)
    except ReauthRequiredError:
        return confirm_first(START_PATHS[method])
    except SecondLockError as exc:
        return _start_page(pages, request, view, method, value=value[:254], name=name[:64],
                           error=exc)
    return _code_step(pages, request, view, method, sent.id, sent.sent_to, sent.resend_in)


@router.get(START_PATHS[Method.SMS])
def phone_form(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return _start_page(pages, request, view, Method.SMS)


@router.get(START_PATHS[Method.EMAIL])
def email_form(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return _start_page(pages, request, view, Method.EMAIL, value=view.email)


@router.post(START_PATHS[Method.SMS])
def add_phone(request: Request, pages: Renderer, view: SignedIn,
              form: Annotated[Form, checked_form(START_PATHS[Method.SMS])]) -> Response:
    return _start(pages, request, view, form, Method.SMS)


@router.post(START_PATHS[Method.EMAIL])
def add_email(request: Request, pages: Renderer, view: SignedIn,
              form: Annotated[Form, checked_form(START_PATHS[Method.EMAIL])]) -> Response:
    return _start(pages, request, view, form, Method.EMAIL)


def _method_of(form: Form) -> str:
    method = form.get("method", "")
    return method if method in SMS_EMAIL_METHODS else Method.SMS


@router.post("/account/security/factor/confirm")
def confirm_factor(request: Request, pages: Renderer, view: SignedIn,
                   form: SecurityForm) -> Response:
    services, info = pages.services(request), request_info(request)
    codes = services.sms_email_codes
    try:
        done = services.authenticators.confirm(view, factor_id(form, SETUP_GONE),
                                               form.get("code", ""), info)
    except NotFoundError:
        return redirect("/account/security?notice=setup-expired")
    except SecondLockError as exc:
        pending_id = form.get("authenticator_id", "")
        return _code_step(pages, request, view, _method_of(form), pending_id,
                          codes.destinations(view.account_id).get(pending_id, ""), 0,
                          error=exc)
    if not done.mfa_turned_on:
        return redirect("/account/security?notice=factor-added")
    return render_codes(pages, request, view, done.recovery_codes,
                        then="/account/security/test-setup", turned_on=True)


@router.post("/account/security/factor/resend")
def resend(request: Request, pages: Renderer, view: SignedIn, form: SecurityForm) -> Response:
    codes, method = pages.services(request).sms_email_codes, _method_of(form)
    try:
        pending_id = factor_id(form, SETUP_GONE)
        sent = codes.resend_enrollment(view, pending_id, request_info(request))
    except NotFoundError:
        return redirect("/account/security?notice=setup-expired")
    except SecondLockError as exc:
        return _code_step(pages, request, view, method, pending_id,
                          codes.destinations(view.account_id).get(pending_id, ""), 0, error=exc)
    return _code_step(pages, request, view, method, pending_id, sent.sent_to, sent.resend_in)
