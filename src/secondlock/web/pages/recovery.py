"""Lost your phone and your recovery codes? Recover the account with a waiting period (#15).

The mailed link (``/recovery/link?token=...``) never uses anything up (mail scanners open
links): it moves the token into an HttpOnly cookie and redirects to ``/recovery/continue``,
which shows what the token stands for: the password form that starts the wait, the waiting
page, or the password form that finishes. The cancel link of a notice opens a page whose
button stops the recovery (a GET never acts).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import Response

from secondlock.config import Settings
from secondlock.core.emails import MAX_EMAIL_LENGTH
from secondlock.core.errors import (
    InvalidTokenError,
    RateLimitedError,
    RecoveryLinkExpiredError,
    SecondLockError,
)
from secondlock.core.i18n import msg
from secondlock.services.recovery import LINK_MINUTES, MAX_TOKEN_CHARS, RecoveryView
from secondlock.services.recovery_notices import delay_words
from secondlock.web.cookies import set_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, checked_form
from secondlock.web.pages.rendering import Pages, error_status, redirect

#: Pages with a token in the address or about a recovery: never cached. (Forms keep the
#: site's own Referrer-Policy, which the CSRF Origin check needs; only the mailed link's
#: redirect is "no-referrer".)
NO_STORE = {"Cache-Control": "no-store"}
NO_REFERRER = {"Referrer-Policy": "no-referrer", **NO_STORE}
WIZARD = "/account/security/totp?notice=recovered"

router = APIRouter(include_in_schema=False)
RecoveryForm = Annotated[Form, checked_form("/recovery/continue")]


def cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_recovery" if settings.is_https else "secondlock_recovery"


def _forget(response: Response, settings: Settings) -> Response:
    response.delete_cookie(cookie_name(settings), path="/", httponly=True, samesite="lax",
                           secure=settings.is_https)
    return response


def _broken(pages: Pages, request: Request, exc: SecondLockError) -> Response:
    status, _ = error_status(exc)
    response = pages.message(request, status=status, title=exc.title, text=exc.detail,
                             headers=NO_STORE,
                             links=[("/recovery", msg("Ask for a new link")),
                                    ("/login", msg("Sign in"))])
    return _forget(response, pages.settings)


def _request_page(pages: Pages, request: Request, *, email: str = "",
                  error: RateLimitedError | None = None) -> Response:
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "recovery_request.html", status=status, headers=headers,
                        email=email[:MAX_EMAIL_LENGTH], error=error,
                        delay=delay_words(pages.settings.recovery_delay))


def _page(pages: Pages, request: Request, view: RecoveryView,
          error: SecondLockError | None = None) -> Response:
    if view.status in ("cancelled", "completed"):
        text = msg("This recovery was stopped: the account keeps its second factors. Sign in "
                   "with them, or ask for a new recovery.") if view.status == "cancelled" \
            else msg("This recovery has finished. Sign in with your password.")
        response = pages.message(request, status=200, title=msg("This recovery has ended"),
                                 text=text, headers=NO_STORE,
                                 links=[("/login", msg("Sign in")),
                                        ("/recovery", msg("Start a new recovery"))])
        return _forget(response, pages.settings)
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "recovery.html", status=status,
                        headers={**headers, **NO_STORE}, view=view, error=error,
                        delay=delay_words(pages.settings.recovery_delay))


@router.get("/recovery")
def request_form(request: Request, pages: Renderer) -> Response:
    return _request_page(pages, request)


@router.post("/recovery")
def request_link(request: Request, pages: Renderer,
                 form: Annotated[Form, checked_form("/recovery")],
                 background: BackgroundTasks) -> Response:
    email, info = form.get("email", ""), request_info(request)
    service = pages.services(request).recovery
    try:
        normal = service.admit(email, info)
    except RateLimitedError as exc:
        return _request_page(pages, request, email=email, error=exc)
    background.add_task(service.send_link, normal, info)  # the same answer for every address
    return pages.message(
        request, status=200, title=msg("Check your email"),
        text=msg("If an account uses %(email)s, we sent it a link to recover the account. "
                 "The link works once, for %(minutes)d minutes.",
                 email=email[:MAX_EMAIL_LENGTH], minutes=LINK_MINUTES),
        links=[("/login", msg("Back to sign in"))])


@router.get("/recovery/link")
def open_link(request: Request, pages: Renderer) -> Response:
    token = request.query_params.get("token", "")
    try:
        pages.services(request).recovery.look(token)
    except (InvalidTokenError, RecoveryLinkExpiredError) as exc:
        return _broken(pages, request, exc)
    response = redirect("/recovery/continue")
    response.headers.update(NO_REFERRER)
    settings = pages.settings
    response.set_cookie(cookie_name(settings), token,
                        max_age=settings.recovery_delay + 7 * 24 * 3600, httponly=True,
                        samesite="lax", secure=settings.is_https, path="/")
    return response


def _token(request: Request, settings: Settings) -> str:
    return request.cookies.get(cookie_name(settings), "")[:MAX_TOKEN_CHARS + 1]


@router.get("/recovery/continue")
def where_it_stands(request: Request, pages: Renderer) -> Response:
    try:
        view = pages.services(request).recovery.look(_token(request, pages.settings))
    except (InvalidTokenError, RecoveryLinkExpiredError) as exc:
        return _broken(pages, request, exc)
    return _page(pages, request, view)


@router.post("/recovery/start")
def start(request: Request, pages: Renderer, form: RecoveryForm) -> Response:
    token, service = _token(request, pages.settings), pages.services(request).recovery
    try:
        service.start(token, form.get("password", ""), request_info(request))
    except (InvalidTokenError, RecoveryLinkExpiredError) as exc:
        return _broken(pages, request, exc)
    except SecondLockError as exc:
        return _page(pages, request, service.look(token), error=exc)
    return redirect("/recovery/continue")


@router.post("/recovery/complete")
def complete(request: Request, pages: Renderer, form: RecoveryForm) -> Response:
    token, service = _token(request, pages.settings), pages.services(request).recovery
    try:
        result = service.complete(token, form.get("password", ""), request_info(request))
    except InvalidTokenError as exc:
        return _broken(pages, request, exc)
    except SecondLockError as exc:
        return _page(pages, request, service.look(token), error=exc)
    assert result.session is not None
    response = redirect(WIZARD)  # the wizard for a new factor, at once
    set_session_cookie(response, pages.settings, result.session.token)
    return _forget(response, pages.settings)


@router.get("/recovery/cancel")
def cancel_form(request: Request, pages: Renderer) -> Response:
    token = request.query_params.get("token", "")
    if not token or len(token) > MAX_TOKEN_CHARS:
        return _broken(pages, request, InvalidTokenError(msg(
            "The link is incomplete. Open it from the message again.")))
    return pages.render(request, "recovery_cancel.html", token=token, headers=NO_STORE)


@router.post("/recovery/cancel")
def cancel(request: Request, pages: Renderer,
           form: Annotated[Form, checked_form("/login")]) -> Response:
    """From a notice's link (the token in the form) or the waiting page (the cookie)."""
    token = form.get("token", "") or _token(request, pages.settings)
    try:
        pages.services(request).recovery.cancel(token, request_info(request))
    except (InvalidTokenError, RecoveryLinkExpiredError) as exc:
        return _broken(pages, request, exc)
    response = pages.message(
        request, status=200, title=msg("The recovery is stopped"),
        text=msg("Nothing was removed: every second factor of the account stays as it was. "
                 "If you did not start this recovery, someone knows your password: sign in "
                 "and change it now."),
        links=[("/login", msg("Sign in"))], headers=NO_STORE)
    return _forget(response, pages.settings) if not form.get("token") else response
