""""This wasn't me": the link from a security mail opens a page whose button secures the
account. A GET never acts, so mail scanners and link previews cannot use the link up."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import InvalidTokenError
from secondlock.core.i18n import msg
from secondlock.services.not_me import MAX_TOKEN_LENGTH
from secondlock.web.cookies import clear_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, checked_form
from secondlock.web.pages.rendering import Pages

#: The token is in the address: never keep the page in a cache. (The site-wide
#: Referrer-Policy "same-origin" already keeps the address from other sites.)
NO_REFERRER = {"Cache-Control": "no-store"}

router = APIRouter(include_in_schema=False)


def _broken_link(pages: Pages, request: Request, text: str) -> Response:
    return pages.message(request, status=400, title=msg("This link does not work"), text=text,
                         links=[("/login", msg("Sign in")),
                                ("/password-reset", msg("Reset my password"))],
                         headers=NO_REFERRER)


@router.get("/not-me")
def confirm_form(request: Request, pages: Renderer) -> Response:
    token = request.query_params.get("token", "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return _broken_link(pages, request, msg("The link is incomplete. Open it from the "
                                                "email again, or copy all of it into the "
                                                "address bar."))
    return pages.render(request, "not_me.html", token=token, headers=NO_REFERRER)


@router.post("/not-me")
def secure(request: Request, pages: Renderer,
           form: Annotated[Form, checked_form("/login")]) -> Response:
    token = form.get("token", "")
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return _broken_link(pages, request, msg("The link is incomplete."))
    try:
        pages.services(request).not_me.secure_account(token, request_info(request))
    except InvalidTokenError as exc:
        return _broken_link(pages, request, exc.detail)
    response = pages.message(
        request, status=200, title=msg("Your account is secured"),
        text=msg("We signed out every device, including this one, and forgot all "
                 "remembered devices. At your next sign-in you will choose a new password: "
                 "pick one you use nowhere else. Then check your security page and recent "
                 "activity."),
        links=[("/login", msg("Sign in"))], headers=NO_REFERRER)
    clear_session_cookie(response, pages.settings)
    return response
