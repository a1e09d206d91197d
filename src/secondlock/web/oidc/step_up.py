"""Confirm it's you for a shop (/oidc/confirm): a fresh sign-in or a step-up.

The same form and check as the account's own "confirm it's you" (``web.pages.confirm``);
a shop that asks for phishing resistance gets it only from a security key.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.assurance import ACR_PHISHING_RESISTANT
from secondlock.core.errors import SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.views import SessionView
from secondlock.web.deps import request_info
from secondlock.web.oidc.authorize import clean_query, interstitial, request_back
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.oidc.return_to import CONTINUE_PATH, remember
from secondlock.web.pages.confirm import check_its_you, factors, typed_method
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, SignedIn
from secondlock.web.pages.rendering import Pages, error_status, redirect
from secondlock.web.pages.security_keys import key_credential

router = APIRouter(include_in_schema=False)
StepUpForm = Annotated[Form, request_back("/oidc/confirm")]


def _confirm_page(pages: Pages, request: Request, view: SessionView, query: str, method: str,
                  *, error: SecondLockError | None = None) -> Response:
    status, headers = error_status(error) if error else (200, {})
    asked = dict(parse_qsl(query))
    client = oidc_of(request).clients.get(asked.get("client_id", ""))
    has = factors(pages, request, view)
    # A shop that asks for phishing resistance gets it only from a security key.
    key_only = ACR_PHISHING_RESISTANT in asked.get("acr_values", "").split()
    return pages.render(request, "oidc_confirm.html", status=status, headers=headers,
                        has_keys=Method.WEBAUTHN in has, has_app=Method.TOTP in has,
                        key_only=key_only and Method.WEBAUTHN in has,
                        user=view, client_name=client.name if client else msg("The shop"),
                        request_query=query, method=typed_method(method, has), error=error,
                        switch_url=lambda m: "/oidc/confirm?" + clean_query(query) + "&"
                        + urlencode({"method": m}),
                        cancel_url="/oidc/cancel?" + clean_query(query))


def _strip_method(query: str) -> tuple[str, str]:
    items = parse_qsl(query, keep_blank_values=True)
    method = next((v for k, v in items if k == "method"), Method.TOTP)
    return urlencode([(k, v) for k, v in items if k != "method"]), method


def _back_to_shop(pages: Pages, request: Request, view: SessionView, query: str) -> Response:
    """Confirmed: a new session token (SES-3), then on to the authorization request."""
    return pages.renew_session(request, interstitial(pages, request, "/oidc/authorize?" + query,
                                                     msg("Continue")), view)


@router.get("/oidc/confirm")
def confirm_form(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    query, method = _strip_method(clean_query(request.url.query))
    if view is None:
        response = redirect("/login")
        remember(response, pages.settings, f"{CONTINUE_PATH}?{query}")
        return response
    return _confirm_page(pages, request, view, query, method)


@router.post("/oidc/confirm")
def confirm(request: Request, pages: Renderer, form: StepUpForm, view: SignedIn) -> Response:
    query = clean_query(form.get("request", ""))
    refused = check_its_you(pages, request, view, form)
    if refused is not None:
        return _confirm_page(pages, request, view, query, form.get("method", ""),
                             error=refused)
    return _back_to_shop(pages, request, view, query)


@router.post("/oidc/confirm/key")
def confirm_with_key(request: Request, pages: Renderer, form: StepUpForm,
                     view: SignedIn) -> Response:
    """Step-up with a security key or passkey (the only way to phishing resistance)."""
    query = clean_query(form.get("request", ""))
    try:
        pages.services(request).security_key_sign_in.verify_reauth(
            view, key_credential(form), request_info(request))
    except SecondLockError as exc:
        return _confirm_page(pages, request, view, query, Method.TOTP, error=exc)
    return _back_to_shop(pages, request, view, query)
