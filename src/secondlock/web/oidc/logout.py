"""RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0) on Authlib's endpoint.

An ``id_token_hint`` must carry our signature with an algorithm we sign with (never
``none``, never HS*); a ``post_logout_redirect_uri`` is followed only when it is registered
for the client the ID token was issued to. Without a hint, the shopper confirms first, so a
link on another site cannot sign people out.
"""

from __future__ import annotations

from typing import Annotated, Any

from authlib.oauth2 import OAuth2Error
from authlib.oidc.rpinitiated import EndSessionEndpoint
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from joserfc.jwk import KeySet

from secondlock.core.i18n import msg
from secondlock.services.oidc import OidcServices
from secondlock.web.cookies import clear_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.oidc.adapter import oidc_request
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.pages.deps import Form, Renderer, checked_form
from secondlock.web.pages.rendering import Pages

#: The only algorithms an id_token_hint may use: the ones our keys sign with.
ALLOWED_ALGORITHMS = ["ES256", "RS256"]

router = APIRouter(include_in_schema=False)


class Logout(EndSessionEndpoint):  # type: ignore[misc]
    def __init__(self, oidc: OidcServices) -> None:
        super().__init__(oidc.provider.server)
        self.oidc = oidc

    def get_server_jwks(self) -> KeySet:
        return self.oidc.signing_keys.public_keys()

    def get_algorithms(self) -> list[str]:
        return ALLOWED_ALGORITHMS

    def end_session(self, end_session_request: Any) -> None:
        """The web layer ends the browser's session (it owns the cookie)."""


def _signed_out(pages: Pages, request: Request, target: str | None) -> Response:
    pages.services(request).sessions.logout(pages.session_token(request), request_info(request))
    if target:
        response: Response = RedirectResponse(target, status_code=302)
    else:
        response = pages.message(request, status=200, title=msg("You are signed out"),
                                 text=msg("You are signed out of your account here."))
    clear_session_cookie(response, pages.settings)
    return response


@router.get("/oidc/logout")
def logout(request: Request, pages: Renderer) -> Response:
    endpoint = Logout(oidc_of(request))
    req = endpoint.create_endpoint_request(oidc_request(request, pages.settings))
    try:
        checked = endpoint.validate_request(req)
    except OAuth2Error:
        return pages.message(
            request, status=400, title=msg("This sign-out link does not work"),
            text=msg("The shop sent a sign-out request we cannot accept, so nothing changed. "
                     "You can sign out from your account page."))
    view = pages.current(request)
    if checked.needs_confirmation:
        return pages.render(request, "oidc_logout.html", user=view)
    claims = checked.id_token_claims or {}
    if view is not None and claims.get("sub") != view.account_id:
        # A hint for someone else: sign nobody out without asking.
        return pages.render(request, "oidc_logout.html", user=view)
    return _signed_out(pages, request, checked.redirect_uri)


@router.post("/oidc/logout")
def logout_confirmed(request: Request, pages: Renderer,
                     form: Annotated[Form, checked_form("/")]) -> Response:
    return _signed_out(pages, request, None)
