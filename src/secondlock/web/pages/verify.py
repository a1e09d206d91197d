"""Email confirmation: the link opens a page whose button does the (single-use) work.

A GET never consumes the token, so mail scanners and link previews cannot use it up.
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import InvalidTokenError
from secondlock.core.i18n import msg
from secondlock.web.deps import request_info
from secondlock.web.pages.rendering import FormFields, Pages

MAX_TOKEN_CHARS = 256


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    def broken_link(request: Request, text: str) -> Response:
        signed_in = pages.current(request)
        links = [("/account", msg("Go to your account"))] if signed_in \
            else [("/login", msg("Sign in"))]
        return pages.message(request, status=400, title=msg("This link does not work"),
                             text=text, links=links, user=signed_in)

    @routes.get("/verify-email")
    def confirm_form(request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token or len(token) > MAX_TOKEN_CHARS:
            return broken_link(request, msg("The confirmation link is incomplete. Open the "
                                            "link from the email again, or copy all of it "
                                            "into the address bar."))
        return pages.render(request, "verify.html", user=pages.current(request), token=token)

    @routes.post("/verify-email")
    def confirm(request: Request, form: FormFields) -> Response:
        token = form.get("token", "")
        if not token or len(token) > MAX_TOKEN_CHARS:
            return broken_link(request, msg("The confirmation link is incomplete."))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/verify-email?" + urlencode({"token": token}))
        try:
            pages.services(request).accounts.verify_email(token, request_info(request))
        except InvalidTokenError:
            return broken_link(request, msg("This confirmation link has already been used or "
                                            "has expired. If your address is not confirmed "
                                            "yet, sign in to see what to do next."))
        signed_in = pages.current(request)
        links = [("/account", msg("Go to your account"))] if signed_in \
            else [("/login", msg("Sign in"))]
        return pages.message(request, status=200, title=msg("Your email address is confirmed"),
                             text=msg("Thank you. We will use this address for security "
                                      "notices about your account."),
                             links=links, user=signed_in)

    return routes
