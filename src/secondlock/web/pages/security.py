"""The security page: an overview (two-factor status, one row per method with its state
and one action) and turning two-factor off.

Each method has its own page and its changes in its module (``authenticator_app``,
``recovery_codes``, ``sms_email_codes``, ``security_keys``). Sensitive changes (remove,
turn off, new codes) need a recent sign-in; when the service says it is too old, the
shopper confirms it's them on /account/confirm (``confirm``) and comes back.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import ReauthRequiredError, SecondLockError
from secondlock.core.methods import Method
from secondlock.core.recovery_codes import LOW_CODES_THRESHOLD
from secondlock.web.deps import request_info
from secondlock.web.pages import sms_email_codes
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.factors import confirmed_factors, failed
from secondlock.web.pages.rendering import confirm_first, redirect

router = APIRouter(prefix="/account/security", include_in_schema=False)


#: Each method's own page, where the overview's "Manage" leads (and a stale factor's link).
METHOD_PAGES = {Method.TOTP: "/account/security/apps", Method.WEBAUTHN: "/account/security/keys",
                Method.SMS: sms_email_codes.PAGE, Method.EMAIL: sms_email_codes.PAGE}


@router.get("")
def security(request: Request, pages: Renderer, view: SignedIn) -> Response:
    """The overview: one row per method with its state and one action."""
    services = pages.services(request)
    apps = [f for f in confirmed_factors(pages, request, view) if f.type == Method.TOTP]
    summary = services.authenticators.summary(view.account_id)
    return pages.render(request, "security.html", user=view, apps=apps,
                        codes_left=summary.recovery_codes_remaining,
                        low_codes=LOW_CODES_THRESHOLD,
                        oob=sms_email_codes.security_section(pages, request, view),
                        keys=services.security_keys.keys(view.account_id),
                        stale=services.authenticators.stale(view.account_id),
                        stale_days=pages.settings.stale_factor_days,
                        method_pages=METHOD_PAGES)


@router.get("/turn-off")
def turn_off_form(request: Request, pages: Renderer, view: SignedIn) -> Response:
    if not view.mfa_enabled:
        return redirect("/account/security")
    return pages.render(request, "turn_off.html", user=view)


@router.post("/turn-off")
def turn_off(request: Request, pages: Renderer, view: SignedIn,
             form: Annotated[Form, checked_form("/account/security/turn-off")]) -> Response:
    try:
        pages.services(request).authenticators.turn_off(view, request_info(request))
    except ReauthRequiredError:
        return confirm_first("/account/security/turn-off")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return redirect("/account/security?notice=mfa-off")
