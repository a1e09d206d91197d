"""Forgot your password? Ask for a link, open it, choose a new password, sign in.

The mailed link (``/password-reset/link?token=...``) is answered with
``Referrer-Policy: no-referrer`` and never consumes the token (mail scanners open links).
It moves the token into a short-lived HttpOnly cookie and redirects to
``/password-reset/new``, so the token leaves the address bar, the history and any Referer
before the form is shown; that page can then keep the site's normal referrer policy, which
the CSRF Origin check needs (a no-referrer page posts ``Origin: null``).
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
    ResetLinkExpiredError,
    WeakPasswordError,
)
from secondlock.core.i18n import msg, nmsg
from secondlock.services.password_reset import MAX_TOKEN_CHARS, RESET_LINK_MINUTES
from secondlock.web.cookies import clear_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, checked_form
from secondlock.web.pages.rendering import Pages, error_status, redirect

NO_REFERRER = {"Referrer-Policy": "no-referrer"}

router = APIRouter(include_in_schema=False)


def reset_cookie_name(settings: Settings) -> str:
    return "__Host-secondlock_reset" if settings.is_https else "secondlock_reset"


def _request_page(pages: Pages, request: Request, *, email: str = "",
                  error: RateLimitedError | None = None) -> Response:
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, "password_reset_request.html", status=status,
                        headers=headers, email=email[:MAX_EMAIL_LENGTH], error=error)


def _forget_token(response: Response, settings: Settings) -> None:
    response.delete_cookie(reset_cookie_name(settings), path="/", httponly=True,
                           samesite="lax", secure=settings.is_https)


def _broken_link(pages: Pages, request: Request,
                 exc: InvalidTokenError | ResetLinkExpiredError) -> Response:
    status, _ = error_status(exc)
    response = pages.message(
        request, status=status, title=exc.title, text=exc.detail, headers=NO_REFERRER,
        links=[("/password-reset", msg("Ask for a new link")), ("/login", msg("Sign in"))])
    _forget_token(response, pages.settings)
    return response


def _new_password_page(pages: Pages, request: Request, email: str, has_second_factor: bool,
                       *, error: WeakPasswordError | None = None) -> Response:
    settings = pages.settings
    status, headers = error_status(error) if error else (200, {})
    minimum = settings.password_min_length if has_second_factor else max(
        settings.password_min_length, settings.password_min_length_single_factor)
    return pages.render(request, "password_reset_new.html", status=status,
                        headers=headers, email=email, min_length=minimum, error=error,
                        has_second_factor=has_second_factor)


@router.get("/password-reset")
def request_form(request: Request, pages: Renderer) -> Response:
    return _request_page(pages, request)


@router.post("/password-reset")
def request_link(request: Request, pages: Renderer,
                 form: Annotated[Form, checked_form("/password-reset")],
                 background: BackgroundTasks) -> Response:
    email, info = form.get("email", ""), request_info(request)
    service = pages.services(request).password_reset
    try:
        normal = service.admit(email, info)
    except RateLimitedError as exc:
        return _request_page(pages, request, email=email, error=exc)
    # Mailed after the page went out: the answer and its timing are the same for
    # every address (PW-8).
    background.add_task(service.send_link, normal, info)
    return pages.message(
        request, status=200, title=msg("Check your email"),
        text=nmsg("If an account uses %(email)s, we sent it a link to choose a new "
                  "password. The link works once, for %(n)d minute. Nothing arrived "
                  "after a few minutes? Check the spam folder, and check that this is the "
                  "address you signed up with.",
                  "If an account uses %(email)s, we sent it a link to choose a new "
                  "password. The link works once, for %(n)d minutes. Nothing arrived "
                  "after a few minutes? Check the spam folder, and check that this is the "
                  "address you signed up with.",
                  RESET_LINK_MINUTES, email=email[:MAX_EMAIL_LENGTH]),
        links=[("/login", msg("Back to sign in")),
               ("/password-reset", msg("Send another link"))])


@router.get("/password-reset/link")
def open_link(request: Request, pages: Renderer) -> Response:
    token = request.query_params.get("token", "")
    try:
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise InvalidTokenError(msg("The link is incomplete. Open the link from the "
                                        "email again, or copy all of it into the "
                                        "address bar."))
        pages.services(request).password_reset.check_link(token)
    except (InvalidTokenError, ResetLinkExpiredError) as exc:
        return _broken_link(pages, request, exc)
    response = redirect("/password-reset/new")
    response.headers.update(NO_REFERRER)
    response.set_cookie(reset_cookie_name(pages.settings), token,
                        max_age=RESET_LINK_MINUTES * 60, httponly=True, samesite="lax",
                        secure=pages.settings.is_https, path="/")
    return response


@router.get("/password-reset/new")
def new_password_form(request: Request, pages: Renderer) -> Response:
    token = request.cookies.get(reset_cookie_name(pages.settings), "")
    try:
        link = pages.services(request).password_reset.check_link(token)
    except (InvalidTokenError, ResetLinkExpiredError) as exc:
        return _broken_link(pages, request, exc)
    return _new_password_page(pages, request, link.email, link.has_second_factor)


@router.post("/password-reset/new")
def set_new_password(request: Request, pages: Renderer,
                     form: Annotated[Form, checked_form("/password-reset/new")]) -> Response:
    token = request.cookies.get(reset_cookie_name(pages.settings), "")
    service = pages.services(request).password_reset
    try:
        link = service.check_link(token)
        service.complete(token, form.get("new_password", ""), request_info(request))
    except (InvalidTokenError, ResetLinkExpiredError) as exc:
        return _broken_link(pages, request, exc)
    except WeakPasswordError as exc:
        return _new_password_page(pages, request, link.email, link.has_second_factor,
                                  error=exc)
    response = redirect("/password-reset/done")
    _forget_token(response, pages.settings)
    # Every session ended, this browser's too: no stale cookie (and no new session).
    if pages.session_token(request):
        clear_session_cookie(response, pages.settings)
    return response


@router.get("/password-reset/done")
def done(request: Request, pages: Renderer) -> Response:
    return pages.message(
        request, status=200, title=msg("Your password is changed"),
        text=msg("Sign in with your new password. If two-factor authentication is on, "
                 "you will still be asked for your code as usual. For your safety, every "
                 "device was signed out."),
        links=[("/login", msg("Sign in"))])
