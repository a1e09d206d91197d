"""Security keys and passkeys on the pages: add, rename, remove, sign in, confirm it's you.

The browser part is static/webauthn.js. It fetches options from the ``.../options`` routes
here (JSON, with the page's CSRF token in ``X-CSRF-Token``), asks the authenticator, then
submits an ordinary form with the answer in a hidden ``credential`` field, so the outcome
(the recovery codes page, a friendly error page, a redirect) is plain server-rendered HTML.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from secondlock.core.errors import (
    MfaTokenExpiredError,
    NotAuthenticatedError,
    ReauthRequiredError,
    SecondLockError,
)
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.webauthn import MAX_CREDENTIAL_JSON_CHARS
from secondlock.web.cookies import set_session_cookie
from secondlock.web.csrf import check_csrf
from secondlock.web.deps import request_info
from secondlock.web.oidc.return_to import redirect_after_sign_in
from secondlock.web.pages.confirm import ConfirmForm
from secondlock.web.pages.deps import (
    Form,
    MaybeSignedIn,
    Renderer,
    SignedIn,
    checked_form,
)
from secondlock.web.pages.factors import (
    SecurityForm,
    confirmed_factors,
    failed,
    remove_factor,
    rename_factor,
)
from secondlock.web.pages.pending_sign_in import (
    clear_mfa_cookie,
    expired,
    finish_sign_in,
    read_mfa_cookie,
)
from secondlock.web.pages.recovery_codes import render_codes
from secondlock.web.pages.rendering import (
    Pages,
    confirm_first,
    error_status,
    redirect,
    safe_next,
)
from secondlock.web.problems import STATUS_BY_CODE

router = APIRouter(include_in_schema=False)


class OptionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=64)


def key_credential(form: dict[str, str]) -> object:
    """The hidden field's JSON; anything unreadable becomes None (the service refuses it)."""
    raw = form.get("credential", "")
    if not raw or len(raw) > MAX_CREDENTIAL_JSON_CHARS:
        return None
    try:
        value: object = json.loads(raw)
    except ValueError:
        return None
    return value


def _json_error(exc: SecondLockError, **extra: Any) -> JSONResponse:
    return JSONResponse({"code": exc.code, "detail": exc.detail, **extra},
                        status_code=STATUS_BY_CODE.get(exc.code, 400))


def _json_csrf_ok(pages: Pages, request: Request) -> bool:
    return check_csrf(request, request.headers.get("x-csrf-token"), pages.settings,
                      pages.session_token(request))


def _refused() -> JSONResponse:
    return JSONResponse({"code": "forbidden", "detail": "This page is out of date. "
                         "Reload it and try again."}, status_code=403)


def _no_session() -> JSONResponse:
    return JSONResponse({"redirect": "/login"}, status_code=401)


# Adding, renaming, removing -----------------------------------------------------------------
@router.get("/account/security/keys")
def keys_page(request: Request, pages: Renderer, view: SignedIn) -> Response:
    """The security keys and passkeys: each with rename and remove, and "add a key"."""
    return pages.render(request, "security_keys.html", user=view,
                        factor_count=len(confirmed_factors(pages, request, view)),
                        keys=pages.services(request).security_keys.keys(view.account_id))


@router.post("/account/security/keys/options")
def add_options(request: Request, body: OptionsBody, pages: Renderer,
                view: MaybeSignedIn) -> Response:
    if view is None:
        return _no_session()
    if not _json_csrf_ok(pages, request):
        return _refused()
    try:
        options = pages.services(request).security_keys.registration_options(view, body.name)
    except ReauthRequiredError as exc:
        return _json_error(exc, redirect="/account/confirm?" + urlencode(
            {"next": "/account/security"}))
    except SecondLockError as exc:
        return _json_error(exc)
    return JSONResponse(options)


@router.post("/account/security/keys")
def add(request: Request, pages: Renderer, view: SignedIn, form: SecurityForm) -> Response:
    name = form.get("name") or None
    try:
        done = pages.services(request).security_keys.register(
            view, key_credential(form), name, request_info(request))
    except ReauthRequiredError:
        return confirm_first("/account/security")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    if done.recovery_codes:
        return render_codes(pages, request, view, done.recovery_codes,
                            then="/account/security?notice=key-added", turned_on=True)
    return redirect("/account/security?notice=key-added")


@router.post("/account/security/keys/rename")
def rename(request: Request, pages: Renderer, view: SignedIn, form: SecurityForm) -> Response:
    return rename_factor(pages, request, view, form, gone="key-gone", done="key-renamed")


@router.post("/account/security/keys/remove")
def remove(request: Request, pages: Renderer, view: SignedIn, form: SecurityForm) -> Response:
    return remove_factor(pages, request, view, form, gone="key-gone", done="key-removed")


# Signing in ---------------------------------------------------------------------------------
@router.post("/login/key/options")
def sign_in_options(request: Request, pages: Renderer) -> Response:
    """Second-step options while a sign-in is pending (its cookie), else passwordless."""
    if not _json_csrf_ok(pages, request):
        return _refused()
    sign_in = pages.services(request).security_key_sign_in
    pending = read_mfa_cookie(request, pages.settings)
    try:
        if request.query_params.get("step") == "second" and pending is not None:
            return JSONResponse(sign_in.second_step_options(pending[0]))
        if request.query_params.get("step") == "second":
            return JSONResponse({"redirect": "/login?notice=mfa-expired"})
        return JSONResponse(sign_in.passwordless_options(request_info(request)))
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return JSONResponse({"redirect": "/login?notice=mfa-expired"})
    except SecondLockError as exc:
        return _json_error(exc)


@router.post("/login/verify/key")
def second_step(request: Request, pages: Renderer,
                form: Annotated[Form, checked_form("/login/verify")]) -> Response:
    settings = pages.settings
    pending = read_mfa_cookie(request, settings)
    if pending is None:
        return expired(settings)
    try:
        result = pages.services(request).security_key_sign_in.verify_second_step(
            pending[0], key_credential(form), request_info(request),
            remember=form.get("remember_device") == "1")
    except (MfaTokenExpiredError, NotAuthenticatedError):
        return expired(settings)
    except SecondLockError as exc:
        status, headers = error_status(exc)
        return pages.render(request, "login_verify.html", status=status, headers=headers,
                            methods=pending[1], method=Method.WEBAUTHN, error=exc,
                            remember_days=settings.trusted_device_days)
    assert result.session is not None
    return finish_sign_in(request, settings, result.session.token, result.device_token,
                          recovery_cancelled=result.recovery_cancelled)


@router.post("/login/passkey")
def passwordless(request: Request, pages: Renderer,
                 form: Annotated[Form, checked_form("/login")]) -> Response:
    settings = pages.settings
    try:
        result = pages.services(request).security_key_sign_in.verify_passwordless(
            key_credential(form), request_info(request))
    except SecondLockError as exc:
        status, headers = error_status(exc)
        return pages.render(request, "login.html", status=status, headers=headers,
                            email="", error=exc, min_length=0)
    assert result.session is not None
    response = redirect_after_sign_in(request, settings, "/account")
    set_session_cookie(response, settings, result.session.token)
    if read_mfa_cookie(request, settings):
        clear_mfa_cookie(response, settings)
    return response


# Confirm it's you ---------------------------------------------------------------------------
@router.post("/account/confirm/key/options")
def confirm_options(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    if view is None:
        return _no_session()
    if not _json_csrf_ok(pages, request):
        return _refused()
    try:
        return JSONResponse(pages.services(request).security_key_sign_in.reauth_options(view))
    except SecondLockError as exc:
        return _json_error(exc)


@router.post("/account/confirm/key")
def confirm(request: Request, pages: Renderer, view: SignedIn, form: ConfirmForm) -> Response:
    next_path = safe_next(form.get("next"))
    try:
        pages.services(request).security_key_sign_in.verify_reauth(view, key_credential(form),
                                                               request_info(request))
    except SecondLockError as exc:
        status, headers = error_status(exc)
        return pages.message(request, status=status, title=exc.title, text=exc.detail,
                             user=view, headers=headers, links=[(
                                 "/account/confirm?" + urlencode({"next": next_path}),
                                 msg("Try again"))])
    return pages.renew_session(request, redirect(next_path + "?notice=confirmed"), view)
