"""The authorization endpoint and the pages around it: sign in, confirm it's you (a fresh
sign-in or a step-up), consent, and the hop back to the shop.

Pages that answer a form (sign-in, confirm, consent) never redirect straight to the shop:
the page's CSP ``form-action 'self'`` would stop the browser. They land on a small page of
ours that moves on to ``/oidc/authorize`` with a meta refresh (no script), and that GET
request redirects to the shop.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from secondlock.core.assurance import ACR_PHISHING_RESISTANT, ACR_PWD
from secondlock.core.errors import SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.methods import CODE_METHODS
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
from secondlock.storage.repositories import SessionView
from secondlock.web.deps import request_info
from secondlock.web.oidc.adapter import oidc_request, to_response
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.oidc.return_to import CONTINUE_PATH, remember
from secondlock.web.pages.keys import key_credential
from secondlock.web.pages.rendering import FormFields, Pages, error_status, redirect

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


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    settings = pages.settings

    def bad_request(request: Request) -> Response:
        return pages.message(
            request, status=400, title=msg("This sign-in link does not work"),
            text=msg("The shop sent you here with a sign-in request we cannot accept, so we did "
                     "not send you back. Go back to the shop and try signing in again."))

    def interstitial(request: Request, target: str, label: str) -> Response:
        return pages.render(request, "oidc_continue.html", target=target, label=label,
                            nav=False)

    def error_redirect(redirect_uri: str, error: str, description: str | None,
                       state: str | None) -> RedirectResponse:
        params = [("error", error)]
        if description:
            params.append(("error_description", description))
        if state:
            params.append(("state", state))
        return RedirectResponse(add_params_to_uri(redirect_uri, params), status_code=302)

    def validated(oidc: OidcServices, req: OidcRequest,
                  principal: Principal | None) -> OAuth2Error | object:
        try:
            return oidc.provider.server.get_consent_grant(req, end_user=principal)
        except OAuth2Error as exc:
            return exc

    def synthetic(request: Request, query: str) -> OidcRequest:
        return OidcRequest("GET", f"{settings.origin}/oidc/authorize?{query}", {},
                           parse_qsl(query, keep_blank_values=True), [],
                           request_info(request))

    @routes.get("/oidc/authorize")
    def authorize(request: Request) -> Response:
        oidc = oidc_of(request)
        view = pages.current(request)
        principal = Principal(view.account_id, view.amr, view.auth_time) if view else None
        req = oidc_request(request, settings)
        grant = validated(oidc, req, principal)
        if isinstance(grant, OAuth2Error):
            if grant.redirect_uri:
                return to_response(oidc.provider.server.handle_error_response(req, grant))
            return bad_request(request)
        client: Client = req.client
        data = req.payload.data
        redirect_uri, state = data["redirect_uri"], data.get("state")
        try:
            max_age = parse_max_age(data.get("max_age"))
        except ValueError:
            return error_redirect(redirect_uri, "invalid_request", "max_age must be a number "
                                  "of seconds.", state)
        now = oidc.rt.clock.now()
        ask = AuthorizationAsk(
            prompt=frozenset(data.get("prompt", "").split()), max_age=max_age,
            acr_values=data.get("acr_values"),
            fresh_after=read_fresh_marker(oidc.rt.secret_key, data.get(FRESH_PARAM),
                                          client.get_client_id()))
        scope = req.scope or ""
        decision = decide(
            ask, SessionState(view.amr, view.auth_time) if view else None, now=now,
            reachable_acr=oidc.reachable_acr(view.account_id) if view else ACR_PWD,
            consented=view is not None and oidc.consents.has(
                view.account_id, client.get_client_id(), scope),
            first_party=client.row.first_party)
        if decision.action == ERROR:
            return error_redirect(redirect_uri, str(decision.error), decision.description,
                                  state)
        if decision.action in (LOGIN, REAUTH):
            query = clean_query(request.url.query, drop_marker=True) + "&" + urlencode(
                {FRESH_PARAM: fresh_marker(oidc.rt.secret_key, now, client.get_client_id())})
            if decision.action == REAUTH:
                return redirect("/oidc/confirm?" + query)
            response = redirect("/login")
            remember(response, settings, f"{CONTINUE_PATH}?{query}")
            return response
        if decision.action == CONSENT:
            return pages.render(request, "oidc_consent.html", user=view, client=client.row,
                                scopes=[SCOPE_TEXT[s] for s in scope.split() if s in SCOPE_TEXT],
                                request_query=clean_query(request.url.query))
        return to_response(oidc.provider.server.create_authorization_response(
            req, grant_user=principal, grant=grant))

    @routes.get(CONTINUE_PATH)
    def continue_to(request: Request) -> Response:
        return interstitial(request, "/oidc/authorize?" + clean_query(request.url.query),
                            msg("Continue"))

    @routes.get("/oidc/cancel")
    def cancel(request: Request) -> Response:
        """The shopper gave up (on "confirm it's you"): back to the shop with access_denied."""
        query = clean_query(request.url.query, drop_marker=True)
        req = synthetic(request, query)
        if isinstance(validated(oidc_of(request), req, None), OAuth2Error):
            return bad_request(request)
        data = req.payload.data
        return error_redirect(data["redirect_uri"], "access_denied",
                              "The user cancelled the sign-in.", data.get("state"))

    @routes.post("/oidc/consent")
    def consent(request: Request, form: FormFields) -> Response:
        query = clean_query(form.get("request", ""))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/oidc/authorize?" + query)
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        oidc = oidc_of(request)
        principal = Principal(view.account_id, view.amr, view.auth_time)
        req = synthetic(request, query)
        if isinstance(validated(oidc, req, principal), OAuth2Error):
            return bad_request(request)
        data = req.payload.data
        if form.get("decision") != "allow":
            denied = add_params_to_uri(data["redirect_uri"], [("error", "access_denied")] + (
                [("state", data["state"])] if data.get("state") else []))
            return interstitial(request, denied, msg("Back to the shop"))
        oidc.consents.grant(view.account_id, req.client.get_client_id(), req.scope or "")
        return interstitial(request, "/oidc/authorize?" + query, msg("Continue"))

    def confirm_page(request: Request, view: SessionView, query: str, method: str, *,
                     error: SecondLockError | None = None) -> Response:
        status, headers = error_status(error) if error else (200, {})
        client = oidc_of(request).clients.get(dict(parse_qsl(query)).get("client_id", ""))
        switch = clean_query(query) + "&" + urlencode({"method": "recovery_code" if method ==
                                                       "totp" else "totp"})
        methods = pages.services(request).authenticators.summary(view.account_id).methods \
            if view.mfa_enabled else ()
        # A shop that asks for phishing resistance gets it only from a security key.
        key_only = ACR_PHISHING_RESISTANT in dict(parse_qsl(query)).get("acr_values", "").split()
        return pages.render(request, "oidc_confirm.html", status=status, headers=headers,
                            has_keys="webauthn" in methods,
                            key_only=key_only and "webauthn" in methods,
                            user=view, client_name=client.name if client else msg("The shop"),
                            request_query=query, method=method, error=error,
                            switch_url="/oidc/confirm?" + switch,
                            cancel_url="/oidc/cancel?" + clean_query(query))

    def strip_method(query: str) -> tuple[str, str]:
        items = parse_qsl(query, keep_blank_values=True)
        method = next((v for k, v in items if k == "method"), "totp")
        return urlencode([(k, v) for k, v in items if k != "method"]), \
            method if method in CODE_METHODS else "totp"

    @routes.get("/oidc/confirm")
    def confirm_form(request: Request) -> Response:
        query, method = strip_method(clean_query(request.url.query))
        view = pages.current(request)
        if view is None:
            response = redirect("/login")
            remember(response, settings, f"{CONTINUE_PATH}?{query}")
            return response
        return confirm_page(request, view, query, method)

    @routes.post("/oidc/confirm")
    def confirm(request: Request, form: FormFields) -> Response:
        query = clean_query(form.get("request", ""))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/oidc/confirm?" + query)
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        method = form.get("method", "")
        method = method if method in CODE_METHODS else "totp"
        reauth, info = pages.services(request).reauth, request_info(request)
        try:
            if view.mfa_enabled:
                reauth.reauth(view, info, method=method, code=form.get("code", ""))
            else:
                reauth.reauth(view, info, password=form.get("password", ""))
        except SecondLockError as exc:
            return confirm_page(request, view, query, method, error=exc)
        return pages.renew_session(
            request, interstitial(request, "/oidc/authorize?" + query, msg("Continue")), view)

    @routes.post("/oidc/confirm/key")
    def confirm_with_key(request: Request, form: FormFields) -> Response:
        """Step-up with a security key or passkey (the only way to phishing resistance)."""
        query = clean_query(form.get("request", ""))
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/oidc/confirm?" + query)
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        try:
            pages.services(request).security_key_sign_in.verify_reauth(
                view, key_credential(form), request_info(request))
        except SecondLockError as exc:
            return confirm_page(request, view, query, "totp", error=exc)
        return pages.renew_session(
            request, interstitial(request, "/oidc/authorize?" + query, msg("Continue")), view)

    return routes
