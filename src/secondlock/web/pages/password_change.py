"""Change password (/account/password), also the forced "choose a new password" page.

A normal change asks for the current and the new password, after a recent sign-in. When
the account must choose a new password ("this wasn't me"), the page asks only for the new
one: the session just proved the password and, with 2FA on, the second factor.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import NotAuthenticatedError, ReauthRequiredError, SecondLockError
from secondlock.core.views import SessionView
from secondlock.web.cookies import set_session_cookie
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.forced_change import CHANGE_PASSWORD_PATH
from secondlock.web.pages.rendering import Pages, confirm_first, error_status, redirect

router = APIRouter(include_in_schema=False)


def _change_page(pages: Pages, request: Request, view: SessionView, *,
                 error: SecondLockError | None = None) -> Response:
    settings = pages.settings
    status, headers = error_status(error) if error else (200, {})
    minimum = settings.password_min_length if view.mfa_enabled else max(
        settings.password_min_length, settings.password_min_length_single_factor)
    return pages.render(request, "password_change.html", status=status, headers=headers,
                        user=view, forced=view.password_change_required,
                        min_length=minimum, error=error)


@router.get(CHANGE_PASSWORD_PATH)
def change_form(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return _change_page(pages, request, view)


@router.post(CHANGE_PASSWORD_PATH)
def change(request: Request, pages: Renderer, view: SignedIn,
           form: Annotated[Form, checked_form(CHANGE_PASSWORD_PATH)]) -> Response:
    forced = view.password_change_required
    current = None if forced else form.get("current_password", "")
    try:
        done = pages.services(request).password_change.change(
            view, current, form.get("new_password", ""), request_info(request), rotate=True)
    except ReauthRequiredError:
        return confirm_first(CHANGE_PASSWORD_PATH)
    except NotAuthenticatedError:
        return pages.to_login(request)
    except SecondLockError as exc:
        return _change_page(pages, request, view, error=exc)
    response = redirect(("/account" if forced else "/account/security")
                        + "?notice=password-changed")
    if done.session_token is not None:
        set_session_cookie(response, pages.settings, done.session_token)
    return response
