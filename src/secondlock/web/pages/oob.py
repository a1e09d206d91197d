"""Pages for SMS and email codes (#4): the second step by code, adding a phone or an
address, and "confirm it's you" by code.

A GET never sends anything: sending is a POST (CSRF-checked) behind a plain button. The
resend button works without JS (the server refuses early resends with the wait); with
``static/oob.js`` it shows a live countdown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import (
    MfaTokenExpiredError,
    NotAuthenticatedError,
    NotFoundError,
    ReauthRequiredError,
    SecondLockError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import SMS_EMAIL_METHODS
from secondlock.services.methods.sms_email_code_checks import email_session_counts
from secondlock.storage.repositories import SessionView
from secondlock.web.deps import request_info
from secondlock.web.pages.rendering import (
    FormFields,
    Pages,
    confirm_first,
    error_status,
    redirect,
    safe_next,
)
from secondlock.web.pages.security import render_codes

AUTHENTICATOR_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
REAUTH_METHODS = ("totp", "sms", "email", "recovery_code")


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
    rows = [r for r in services.authenticators.list(view.account_id)
            if r.confirmed_at is not None]
    masked = services.sms_email_codes.destinations(view.account_id)
    factors = [ShownFactor(r.id, r.type, r.name, masked.get(r.id, ""))
               for r in rows if r.type in SMS_EMAIL_METHODS]
    kinds = {r.type for r in rows}
    only_weak = None
    if kinds and kinds <= set(SMS_EMAIL_METHODS):
        only_weak = "sms" if "sms" in kinds else "email"
    return OobSection(factors=factors, only_weak=only_weak,
                      sms_available=pages.settings.resolved_sms_provider != "off")


def verify_page(pages: Pages, request: Request, token: str, methods: tuple[str, ...],
                method: str, expired: Callable[[], Response], *,
                error: SecondLockError | None = None) -> Response:
    """The second step by SMS or email code (called from ``pages.mfa``)."""
    try:
        pending = pages.services(request).sms_email_codes.pending_login(token, method)
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return expired()
    except NotFoundError:  # no such factor (any more): offer what the account has
        others = [m for m in methods if m not in SMS_EMAIL_METHODS]
        return redirect(f"/login/verify?method={others[0]}") if others else expired()
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "login_verify_oob.html", status=status, headers=headers,
                        methods=methods, method=method, error=error, pending=pending,
                        remember_days=pages.settings.trusted_device_days)


def reauth_methods(pages: Pages, request: Request, view: SessionView) -> tuple[str, ...]:
    """The ways this account can confirm it's you, strongest first (no email code where a
    stronger factor exists: see ``services.oob_codes.email_session_counts``)."""
    if not view.mfa_enabled:
        return ()
    services = pages.services(request)
    methods = services.authenticators.summary(view.account_id).methods
    usable = tuple(m for m in REAUTH_METHODS if m in methods)
    if "email" in usable and not email_session_counts(services.rt, view.account_id):
        usable = tuple(m for m in usable if m != "email")
    return usable


def default_reauth_method(pages: Pages, request: Request, view: SessionView) -> str:
    """The first way this account can confirm it's you (the app when it has one)."""
    usable = reauth_methods(pages, request, view)
    return usable[0] if usable else "totp"


def confirm_page(pages: Pages, request: Request, view: SessionView, next_path: str,
                 method: str, *, error: SecondLockError | None = None) -> Response:
    """Confirm it's you with an SMS or email code (called from ``pages.reauth``)."""
    services = pages.services(request)
    try:
        pending = services.sms_email_codes.pending_reauth(view, method)
    except NotFoundError:
        return redirect("/account/confirm?" + urlencode({"next": next_path, "method": "totp"}))
    methods = reauth_methods(pages, request, view)
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "confirm_oob.html", status=status, headers=headers,
                        user=view, next_path=next_path, method=method, error=error,
                        pending=pending,
                        others=[m for m in REAUTH_METHODS if m in methods and m != method],
                        switch_query=lambda m: urlencode({"next": next_path, "method": m}))


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    settings = pages.settings

    @routes.post("/login/verify/send")
    def send_login_code(request: Request, form: FormFields) -> Response:
        from secondlock.web.pages.mfa import clear_mfa_cookie, read_mfa_cookie

        def expired() -> Response:
            response = redirect("/login?notice=mfa-expired")
            clear_mfa_cookie(response, settings)
            return response

        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/login/verify")
        pending = read_mfa_cookie(request, settings)
        method = form.get("method", "")
        if pending is None:
            return expired()
        token, methods = pending
        if method not in SMS_EMAIL_METHODS or method not in methods:
            return redirect("/login/verify")
        try:
            pages.services(request).sms_email_codes.send_login_code(token, method,
                                                                    request_info(request))
        except (MfaTokenExpiredError, NotAuthenticatedError):
            return expired()
        except SecondLockError as exc:
            return verify_page(pages, request, token, methods, method, expired, error=exc)
        return redirect(f"/login/verify?method={method}")

    def enroll_form(request: Request, view: SessionView, method: str, *, value: str = "",
                    name: str = "", error: SecondLockError | None = None) -> Response:
        status, headers = error_status(error) if error else (200, {})
        return pages.render(request, "oob_enroll.html", status=status, headers=headers,
                            user=view, method=method, step="start", value=value, name=name,
                            error=error, default_region=settings.sms_default_region,
                            action="/account/security/phone" if method == "sms"
                            else "/account/security/email")

    def code_step(request: Request, view: SessionView, method: str, authenticator_id: str,
                  sent_to: str, resend_in: int, *,
                  error: SecondLockError | None = None) -> Response:
        status, headers = error_status(error) if error else (200, {})
        return pages.render(request, "oob_enroll.html", status=status, headers=headers,
                            user=view, method=method, step="code", sent_to=sent_to,
                            resend_in=resend_in, authenticator_id=authenticator_id,
                            error=error)

    def start_page(method: str) -> Callable[[Request], Response]:
        def show(request: Request) -> Response:
            view = pages.current(request)
            if view is None:
                return pages.to_login(request)
            return enroll_form(request, view, method,
                               value=view.email if method == "email" else "")
        return show

    def start(method: str) -> Callable[[Request, FormFields], Response]:
        def begin(request: Request, form: FormFields) -> Response:
            view = pages.current(request)
            if view is None:
                return pages.to_login(request)
            back = "/account/security/phone" if method == "sms" else "/account/security/email"
            if not pages.csrf_ok(request, form):
                return pages.csrf_failed(request, back)
            field = "phone" if method == "sms" else "email"
            value, name = form.get(field, "").strip(), form.get("name", "").strip()
            oob, info = pages.services(request).sms_email_codes, request_info(request)
            try:
                sent = oob.enroll_sms(view, value, name or None, info) if method == "sms" \
                    else oob.enroll_email(view, value or None, name or None, info)
            except ReauthRequiredError:
                return confirm_first(back)
            except SecondLockError as exc:
                return enroll_form(request, view, method, value=value[:254], name=name[:64],
                                   error=exc)
            return code_step(request, view, method, sent.id, sent.sent_to, sent.resend_in)
        return begin

    routes.add_api_route("/account/security/phone", start_page("sms"), methods=["GET"])
    routes.add_api_route("/account/security/email", start_page("email"), methods=["GET"])
    routes.add_api_route("/account/security/phone", start("sms"), methods=["POST"])
    routes.add_api_route("/account/security/email", start("email"), methods=["POST"])

    @routes.post("/account/security/factor/confirm")
    def confirm_factor(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/security")
        factor_id = form.get("authenticator_id", "")
        services, info = pages.services(request), request_info(request)
        try:
            if not AUTHENTICATOR_ID.match(factor_id):
                raise NotFoundError(msg("This setup has expired or does not exist."))
            done = services.authenticators.confirm(view, factor_id, form.get("code", ""), info)
        except NotFoundError:
            return redirect("/account/security?notice=setup-expired")
        except SecondLockError as exc:
            method = form.get("method", "sms")
            method = method if method in SMS_EMAIL_METHODS else "sms"
            return code_step(request, view, method, factor_id,
                             services.sms_email_codes.destinations(view.account_id).get(
                                 factor_id, ""), 0,
                             error=exc)
        if not done.mfa_turned_on:
            return redirect("/account/security?notice=factor-added")
        return render_codes(pages, request, view, done.recovery_codes,
                            then="/account/security/test-setup", turned_on=True)

    @routes.post("/account/security/factor/resend")
    def resend(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/security")
        factor_id = form.get("authenticator_id", "")
        method = form.get("method", "sms")
        method = method if method in SMS_EMAIL_METHODS else "sms"
        oob = pages.services(request).sms_email_codes
        try:
            if not AUTHENTICATOR_ID.match(factor_id):
                raise NotFoundError(msg("This setup has expired or does not exist."))
            sent = oob.resend_enrollment(view, factor_id, request_info(request))
        except NotFoundError:
            return redirect("/account/security?notice=setup-expired")
        except SecondLockError as exc:
            return code_step(request, view, method, factor_id,
                             oob.destinations(view.account_id).get(factor_id, ""), 0, error=exc)
        return code_step(request, view, method, factor_id, sent.sent_to, sent.resend_in)

    @routes.post("/account/confirm/send")
    def send_reauth_code(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        next_path = safe_next(form.get("next"))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/confirm?" + urlencode(
                {"next": next_path}))
        method = form.get("method", "")
        if method not in SMS_EMAIL_METHODS:
            return redirect("/account/confirm?" + urlencode({"next": next_path}))
        try:
            pages.services(request).sms_email_codes.send_reauth_code(view, method,
                                                                     request_info(request))
        except SecondLockError as exc:
            return confirm_page(pages, request, view, next_path, method, error=exc)
        return redirect("/account/confirm?" + urlencode({"next": next_path, "method": method}))

    return routes
