"""The authorization endpoint and the pages around it: sign in, consent, and the hop back
to the shop ("confirm it's you" for a fresh sign-in or a step-up: ``step_up``).

Pages that answer a form (sign-in, confirm, consent) never redirect straight to the shop:
the page's CSP ``form-action 'self'`` would stop the browser. They land on a small page of
ours that moves on to ``/oidc/authorize`` with a meta refresh (no script), and that GET
request redirects to the shop.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from secondlock.core.assurance import ACR_MFA, ACR_PWD, level, required_acr
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.services.oidc import OidcServices
from secondlock.services.oidc.authorization import (
    CONSENT,
    ERROR,
    FRESH_PARAM,
    LOGIN,
    REAUTH,
    AuthorizationAsk,
    SessionState,
    decide,
    fresh_marker,
    parse_max_age,
    read_fresh_marker,
)
from secondlock.services.oidc.provider import Client, OidcRequest
from secondlock.services.oidc.tokens import Principal
from secondlock.web.deps import request_info
from secondlock.web.oidc.adapter import oidc_request, to_response
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.oidc.return_to import CONTINUE_PATH, remember
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, SignedIn, checked_form
from secondlock.web.pages.forced_enrollment import WIZARD_PATH
from secondlock.web.pages.rendering import Pages, redirect

MAX_QUERY_CHARS = 2500
SCOPE_TEXT = {
    "openid": msg("Know who you are (a stable account number) and how you signed in"),
    "email": msg("See your email address"),
    "offline_access": msg("Stay connected while you are away (until you sign out of it)"),
}


def clean_query(raw: str, *, drop_marker: bool = False) -> str:
    """A re-encoded query string (no smuggled characters), optionally without our marker."""
    items = parse_qsl(raw[:MAX_QUERY_CHARS], keep_blank_values=True)
    return urlencode([(k, v) for k, v in items if not (drop_marker and k == FRESH_PARAM)])


router = APIRouter(include_in_schema=False)


def bad_request(pages: Pages, request: Request) -> Response:
    return pages.message(
        request, status=400, title=msg("This sign-in link does not work"),
        text=msg("The shop sent you here with a sign-in request we cannot accept, so we did "
                 "not send you back. Go back to the shop and try signing in again."))


def interstitial(pages: Pages, request: Request, target: str, label: str) -> Response:
    """Our small page that moves on to ``target`` (see the module's docstring)."""
    return pages.render(request, "oidc_continue.html", target=target, label=label, nav=False)


def _error_redirect(redirect_uri: str, error: str, description: str | None,
                    state: str | None) -> RedirectResponse:
    params = [("error", error)]
    if description:
        params.append(("error_description", description))
    if state:
        params.append(("state", state))
    return RedirectResponse(add_params_to_uri(redirect_uri, params), status_code=302)


def _validated(oidc: OidcServices, req: OidcRequest,
               principal: Principal | None) -> OAuth2Error | object:
    try:
        return oidc.provider.server.get_consent_grant(req, end_user=principal)
    except OAuth2Error as exc:
        return exc


def _synthetic(pages: Pages, request: Request, query: str) -> OidcRequest:
    return OidcRequest("GET", f"{pages.settings.origin}/oidc/authorize?{query}", {},
                       parse_qsl(query, keep_blank_values=True), [], request_info(request))


def _principal(view: SessionView | None) -> Principal | None:
    return Principal(view.account_id, view.amr, view.auth_time) if view else None


def _ask(oidc: OidcServices, data: dict[str, str], client: Client,
         max_age: int | None) -> AuthorizationAsk:
    acr_values = data.get("acr_values")
    if client.row.require_mfa:
        # --require-mfa (#16): as if the shop always asked for a second factor at least.
        wanted = required_acr(acr_values)
        if wanted is None or level(wanted) < level(ACR_MFA):
            acr_values = ACR_MFA
    return AuthorizationAsk(
        prompt=frozenset(data.get("prompt", "").split()), max_age=max_age,
        acr_values=acr_values,
        fresh_after=read_fresh_marker(oidc.rt.secret_key, data.get(FRESH_PARAM),
                                      client.get_client_id()))


def _to_sign_in(pages: Pages, request: Request, oidc: OidcServices, client: Client,
                action: str) -> Response:
    """Sign in (LOGIN) or confirm it's you (REAUTH), then come back to this request."""
    query = clean_query(request.url.query, drop_marker=True) + "&" + urlencode(
        {FRESH_PARAM: fresh_marker(oidc.rt.secret_key, oidc.rt.clock.now(),
                                   client.get_client_id())})
    if action == REAUTH:
        return redirect("/oidc/confirm?" + query)
    response = redirect("/login")
    remember(response, pages.settings, f"{CONTINUE_PATH}?{query}")
    return response


def _enroll_first(pages: Pages, request: Request) -> Response:
    """A --require-mfa shop and an account with no factor to step up with: the wizard
    first, then back to this request (the recovery-codes page continues to it)."""
    response = redirect(f"{WIZARD_PATH}?notice=shop-requires-2fa")
    remember(response, pages.settings, f"{CONTINUE_PATH}?{clean_query(request.url.query)}")
    return response


@router.get("/oidc/authorize")
def authorize(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    oidc = oidc_of(request)
    principal = _principal(view)
    req = oidc_request(request, pages.settings)
    grant = _validated(oidc, req, principal)
    if isinstance(grant, OAuth2Error):
        if grant.redirect_uri:
            return to_response(oidc.provider.server.handle_error_response(req, grant))
        return bad_request(pages, request)
    client: Client = req.client
    data = req.payload.data
    redirect_uri, state = data["redirect_uri"], data.get("state")
    try:
        max_age = parse_max_age(data.get("max_age"))
    except ValueError:
        return _error_redirect(redirect_uri, "invalid_request", "max_age must be a number "
                               "of seconds.", state)
    scope = req.scope or ""
    reachable = oidc.reachable_acr(view.account_id) if view else ACR_PWD
    if view is not None and client.row.require_mfa and level(reachable) < level(ACR_MFA):
        return _enroll_first(pages, request)
    decision = decide(
        _ask(oidc, data, client, max_age),
        SessionState(view.amr, view.auth_time) if view else None, now=oidc.rt.clock.now(),
        reachable_acr=reachable,
        consented=view is not None and oidc.consents.has(
            view.account_id, client.get_client_id(), scope),
        first_party=client.row.first_party)
    if decision.action == ERROR:
        return _error_redirect(redirect_uri, str(decision.error), decision.description, state)
    if decision.action in (LOGIN, REAUTH):
        return _to_sign_in(pages, request, oidc, client, decision.action)
    if decision.action == CONSENT:
        return pages.render(request, "oidc_consent.html", user=view, client=client.row,
                            scopes=[SCOPE_TEXT[s] for s in scope.split() if s in SCOPE_TEXT],
                            request_query=clean_query(request.url.query))
    return to_response(oidc.provider.server.create_authorization_response(
        req, grant_user=principal, grant=grant))


@router.get(CONTINUE_PATH)
def continue_to(request: Request, pages: Renderer) -> Response:
    return interstitial(pages, request, "/oidc/authorize?" + clean_query(request.url.query),
                        msg("Continue"))


@router.get("/oidc/cancel")
def cancel(request: Request, pages: Renderer) -> Response:
    """The shopper gave up (on "confirm it's you"): back to the shop with access_denied."""
    query = clean_query(request.url.query, drop_marker=True)
    req = _synthetic(pages, request, query)
    if isinstance(_validated(oidc_of(request), req, None), OAuth2Error):
        return bad_request(pages, request)
    data = req.payload.data
    return _error_redirect(data["redirect_uri"], "access_denied",
                           "The user cancelled the sign-in.", data.get("state"))


def request_back(path: str) -> object:
    """A checked form carrying the authorization request; a refused one goes to ``path``."""
    return checked_form(lambda request, form: path + "?" + clean_query(form.get("request", "")))


@router.post("/oidc/consent")
def consent(request: Request, pages: Renderer,
            form: Annotated[Form, request_back("/oidc/authorize")],
            view: SignedIn) -> Response:
    query = clean_query(form.get("request", ""))
    oidc = oidc_of(request)
    req = _synthetic(pages, request, query)
    if isinstance(_validated(oidc, req, _principal(view)), OAuth2Error):
        return bad_request(pages, request)
    data = req.payload.data
    if form.get("decision") != "allow":
        denied = add_params_to_uri(data["redirect_uri"], [("error", "access_denied")] + (
            [("state", data["state"])] if data.get("state") else []))
        return interstitial(pages, request, denied, msg("Back to the shop"))
    oidc.consents.grant(view.account_id, req.client.get_client_id(), req.scope or "")
    return interstitial(pages, request, "/oidc/authorize?" + query, msg("Continue"))
