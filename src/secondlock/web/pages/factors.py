"""What every second factor's page shares: rename and remove (apps, phones, addresses and
keys go through the same two helpers) and the page that says why a change was refused."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Request
from fastapi.responses import Response

from secondlock.core.errors import NotFoundError, ReauthRequiredError, SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.services.factors import Factor
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, checked_form
from secondlock.web.pages.rendering import Pages, confirm_first, error_status, redirect

#: The ids the security page's forms carry (UUIDs); anything else names no factor.
FACTOR_ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
#: A form sent from the security page (or a page it leads to).
SecurityForm = Annotated[Form, checked_form("/account/security")]
NO_SUCH_FACTOR = msg("No such authenticator.")
SETUP_GONE = msg("This setup has expired or does not exist.")


def factor_id(form: Form, missing: str = NO_SUCH_FACTOR) -> str:
    """The form's ``authenticator_id``; ``NotFoundError(missing)`` when it cannot be one."""
    value = form.get("authenticator_id", "")
    if not FACTOR_ID.match(value):
        raise NotFoundError(missing)
    return value


def confirmed_factors(pages: Pages, request: Request, view: SessionView) -> list[Factor]:
    """The account's second factors that count (set up and confirmed), of every kind."""
    return [f for f in pages.services(request).authenticators.list(view.account_id)
            if f.confirmed_at is not None]


def failed(pages: Pages, request: Request, view: SessionView, exc: SecondLockError) -> Response:
    """A change on the security page was refused: say why, with the way back."""
    status, headers = error_status(exc)
    return pages.message(request, status=status, title=exc.title, text=exc.detail,
                         user=view, headers=headers,
                         links=[("/account/security", msg("Back to security settings"))])


def rename_factor(pages: Pages, request: Request, view: SessionView, form: Form, *,
                  gone: str, done: str) -> Response:
    """Rename an app, phone, address or key (the form's ``authenticator_id``); ``gone`` and
    ``done`` are the notices for a factor that no longer exists and for success."""
    try:
        pages.services(request).authenticators.rename(
            view, factor_id(form), form.get("name", ""),
            request_info(request))
    except NotFoundError:
        return redirect(f"/account/security?notice={gone}")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return redirect(f"/account/security?notice={done}")


def remove_factor(pages: Pages, request: Request, view: SessionView, form: Form, *,
                  gone: str, done: str) -> Response:
    """Remove an app, phone, address or key; the last one turns 2FA off (needs a recent
    sign-in: else "confirm it's you" first).

    The security page's "Remove" button only asks: this answers with a page that names the
    factor, a "Remove" button that sends the same form with ``confirmed=yes``, and "Keep it"
    back to the security page (no JavaScript needed). Only that second POST removes.
    """
    if form.get("confirmed") != "yes":
        return _ask_first(pages, request, view, form, gone=gone)
    try:
        turned_off = pages.services(request).authenticators.remove(
            view, factor_id(form), request_info(request))
    except ReauthRequiredError:
        return confirm_first("/account/security")
    except NotFoundError:
        return redirect(f"/account/security?notice={gone}")
    except SecondLockError as exc:
        return failed(pages, request, view, exc)
    return redirect("/account/security?notice=" + ("mfa-off" if turned_off else done))


def _ask_first(pages: Pages, request: Request, view: SessionView, form: Form, *,
               gone: str) -> Response:
    """The confirmation page for removing one factor."""
    try:
        wanted = factor_id(form)
    except NotFoundError:
        return redirect(f"/account/security?notice={gone}")
    factors = confirmed_factors(pages, request, view)
    factor = next((f for f in factors if f.id == wanted), None)
    if factor is None:
        return redirect(f"/account/security?notice={gone}")
    return pages.render(request, "remove_factor.html", user=view, factor=factor,
                        action=request.url.path, last=len(factors) == 1)
