"""Confirm it's you (/account/confirm): renews the sign-in time before a sensitive change.

With two-factor authentication on, a code from the app or a recovery code is asked for;
otherwise the password. ``next`` may only name a page of the account area.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import SecondLockError
from secondlock.core.methods import CODE_METHODS
from secondlock.storage.repositories import SessionView
from secondlock.web.deps import request_info
from secondlock.web.pages import oob as oob_pages
from secondlock.web.pages.rendering import FormFields, Pages, error_status, redirect, safe_next


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    def confirm_page(request: Request, view: SessionView, next_path: str, method: str, *,
                     error: SecondLockError | None = None) -> Response:
        if view.mfa_enabled and method in ("sms", "email"):  # SMS/email codes: pages/oob.py
            return oob_pages.confirm_page(pages, request, view, next_path, method, error=error)
        status, headers = error_status(error) if error else (200, {})
        methods = pages.services(request).authenticators.summary(view.account_id).methods \
            if view.mfa_enabled else ()
        if method == "totp" and "totp" not in methods and "recovery_code" in methods:
            method = "recovery_code"  # a key-only account: codes are the typed fallback
        return pages.render(request, "confirm.html", status=status, headers=headers,
                            methods=oob_pages.reauth_methods(pages, request, view),
                            user=view, next_path=next_path, method=method, error=error,
                            has_keys="webauthn" in methods, has_app="totp" in methods,
                            switch_query=lambda m: urlencode({"next": next_path, "method": m}))

    @routes.get("/account/confirm")
    def confirm_form(request: Request) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        method = request.query_params.get("method", "")
        return confirm_page(request, view, safe_next(request.query_params.get("next")),
                            method if method in CODE_METHODS
                            else oob_pages.default_reauth_method(pages, request, view))

    @routes.post("/account/confirm")
    def confirm(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        next_path = safe_next(form.get("next"))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/confirm?" + urlencode(
                {"next": next_path}))
        method = form.get("method", "")
        method = method if method in CODE_METHODS else "totp"
        reauth, info = pages.services(request).reauth, request_info(request)
        try:
            if view.mfa_enabled:
                reauth.reauth(view, info, method=method, code=form.get("code", ""))
            else:
                reauth.reauth(view, info, password=form.get("password", ""))
        except SecondLockError as exc:
            return confirm_page(request, view, next_path, method, error=exc)
        return pages.renew_session(request, redirect(next_path + "?notice=confirmed"), view)

    return routes
