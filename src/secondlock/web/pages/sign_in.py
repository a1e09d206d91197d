"""Home, sign-up, sign-in and sign-out pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.emails import MAX_EMAIL_LENGTH
from secondlock.core.errors import SecondLockError
from secondlock.web.cookies import clear_session_cookie, read_device_cookie
from secondlock.web.deps import request_info
from secondlock.web.i18n import request_language
from secondlock.web.pages.deps import Form, MaybeSignedIn, Renderer, checked_form
from secondlock.web.pages.pending_sign_in import after_password, start_setup_test
from secondlock.web.pages.rendering import Pages, error_status, redirect

router = APIRouter(include_in_schema=False)


def form_page(pages: Pages, request: Request, template: str, *, email: str = "",
              error: SecondLockError | None = None) -> Response:
    """The sign-up or sign-in form, with what was typed and why it was refused."""
    settings = pages.settings
    status, headers = error_status(error) if error else (200, {})
    return pages.render(request, template, status=status, headers=headers,
                        email=email[:MAX_EMAIL_LENGTH], error=error,
                        min_length=max(settings.password_min_length,
                                       settings.password_min_length_single_factor))


@router.get("/")
def home(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    return pages.render(request, "home.html", user=view)


@router.get("/signup")
def signup_form(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    if view is not None:
        return redirect("/account")
    return form_page(pages, request, "signup.html")


@router.post("/signup")
def signup(request: Request, pages: Renderer,
           form: Annotated[Form, checked_form("/signup")]) -> Response:
    email, password = form.get("email", ""), form.get("password", "")
    services, info = pages.services(request), request_info(request)
    try:
        services.accounts.sign_up(email, password, info, language=request_language(request))
    except SecondLockError as exc:
        return form_page(pages, request, "signup.html", email=email, error=exc)
    try:
        result = services.login.login(email, password, info)
    except SecondLockError:
        # The account exists; only the automatic sign-in was refused (throttled).
        return redirect("/login?notice=account-created")
    return after_password(request, pages.settings, result)


@router.get("/login")
def login_form(request: Request, pages: Renderer, view: MaybeSignedIn) -> Response:
    if view is not None:
        return redirect("/account")
    return form_page(pages, request, "login.html")


@router.post("/login")
def login(request: Request, pages: Renderer,
          form: Annotated[Form, checked_form("/login")]) -> Response:
    email = form.get("email", "")
    try:
        result = pages.services(request).login.login(
            email, form.get("password", ""), request_info(request),
            device_token=read_device_cookie(request, pages.settings))
    except SecondLockError as exc:
        return form_page(pages, request, "login.html", email=email, error=exc)
    return after_password(request, pages.settings, result)


@router.post("/logout")
def logout(request: Request, pages: Renderer,
           form: Annotated[Form, checked_form("/")]) -> Response:
    pages.services(request).sessions.logout(pages.session_token(request), request_info(request))
    # "Sign out and test" (after turning on 2FA) asks the sign-in page for a hint.
    then = "test-setup" if form.get("then") == "test-setup" else "signed-out"
    response = redirect(f"/login?notice={then}")
    clear_session_cookie(response, pages.settings)
    if then == "test-setup":
        start_setup_test(response, pages.settings)
    return response
