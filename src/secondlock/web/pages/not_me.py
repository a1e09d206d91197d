""""This wasn't me": the link from a security mail opens a page whose button secures the
account. A GET never acts, so mail scanners and link previews cannot use the link up."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import InvalidTokenError
from secondlock.core.i18n import msg
from secondlock.services.not_me import MAX_TOKEN_LENGTH
from secondlock.web.cookies import clear_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.rendering import FormFields, Pages

#: The token is in the address: never keep the page in a cache. (The site-wide
#: Referrer-Policy "same-origin" already keeps the address from other sites.)
NO_REFERRER = {"Cache-Control": "no-store"}


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    settings = pages.settings

    def broken_link(request: Request, text: str) -> Response:
        return pages.message(request, status=400, title=msg("This link does not work"), text=text,
                             links=[("/login", msg("Sign in")),
                                    ("/password-reset", msg("Reset my password"))],
                             headers=NO_REFERRER)

    @routes.get("/not-me")
    def confirm_form(request: Request) -> Response:
        token = request.query_params.get("token", "")
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return broken_link(request, msg("The link is incomplete. Open it from the email "
                                            "again, or copy all of it into the address bar."))
        return pages.render(request, "not_me.html", token=token, headers=NO_REFERRER)

    @routes.post("/not-me")
    def secure(request: Request, form: FormFields) -> Response:
        token = form.get("token", "")
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return broken_link(request, msg("The link is incomplete."))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/login")
        try:
            pages.services(request).not_me.secure_account(token, request_info(request))
        except InvalidTokenError as exc:
            return broken_link(request, exc.detail)
        response = pages.message(
            request, status=200, title=msg("Your account is secured"),
            text=msg("We signed out every device, including this one, and forgot all "
                     "remembered devices. At your next sign-in you will choose a new password: "
                     "pick one you use nowhere else. Then check your security page and recent "
                     "activity."),
            links=[("/login", msg("Sign in"))], headers=NO_REFERRER)
        clear_session_cookie(response, settings)
        return response

    return routes
