"""Email confirmation: the link opens a page whose button does the (single-use) work.

A GET never consumes the token, so mail scanners and link previews cannot use it up.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import InvalidTokenError
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, checked_form
from secondlock.web.pages.rendering import Pages

MAX_TOKEN_CHARS = 256

router = APIRouter(include_in_schema=False)


def _ways_on(view: SessionView | None) -> list[tuple[str, str]]:
    return [("/account", msg("Go to your account"))] if view else [("/login", msg("Sign in"))]


def _broken_link(pages: Pages, request: Request, view: SessionView | None,
                 text: str) -> Response:
    return pages.message(request, status=400, title=msg("This link does not work"),
                         text=text, links=_ways_on(view), user=view)


def _back(request: Request, form: Form) -> str:
    return "/verify-email?" + urlencode({"token": form.get("token", "")[:MAX_TOKEN_CHARS]})


@router.get("/verify-email")
def confirm_form(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    token = request.query_params.get("token", "")
    if not token or len(token) > MAX_TOKEN_CHARS:
        return _broken_link(pages, request, view, msg(
            "The confirmation link is incomplete. Open the link from the email again, or "
            "copy all of it into the address bar."))
    return pages.render(request, "verify.html", user=view, token=token)


@router.post("/verify-email")
def confirm(request: Request, pages: Renderer,
            form: Annotated[Form, checked_form(_back)]) -> Response:
    token = form.get("token", "")
    if not token or len(token) > MAX_TOKEN_CHARS:
        return _broken_link(pages, request, pages.current(request),
                            msg("The confirmation link is incomplete."))
    try:
        pages.services(request).accounts.verify_email(token, request_info(request))
    except InvalidTokenError:
        return _broken_link(pages, request, pages.current(request), msg(
            "This confirmation link has already been used or has expired. If your address "
            "is not confirmed yet, sign in to see what to do next."))
    view = pages.current(request)
    return pages.message(request, status=200, title=msg("Your email address is confirmed"),
                         text=msg("Thank you. We will use this address for security notices "
                                  "about your account."),
                         links=_ways_on(view), user=view)
