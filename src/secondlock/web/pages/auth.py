"""Home, sign-up, sign-in and sign-out pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.emails import MAX_EMAIL_LENGTH
from secondlock.core.errors import SecondLockError
from secondlock.web.cookies import clear_session_cookie, read_device_cookie
from secondlock.web.deps import request_info
from secondlock.web.i18n import request_language
from secondlock.web.pages.mfa import after_password
from secondlock.web.pages.rendering import FormFields, Pages, error_status, redirect


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)
    settings = pages.settings
    min_length = max(settings.password_min_length, settings.password_min_length_single_factor)

    def form_page(request: Request, template: str, *, email: str = "",
                  error: SecondLockError | None = None) -> Response:
        status, headers = error_status(error) if error else (200, {})
        return pages.render(request, template, status=status, headers=headers,
                            email=email[:MAX_EMAIL_LENGTH], error=error,
                            min_length=min_length)

    @routes.get("/")
    def home(request: Request) -> Response:
        return pages.render(request, "home.html", user=pages.current(request))

    @routes.get("/signup")
    def signup_form(request: Request) -> Response:
        if pages.current(request) is not None:
            return redirect("/account")
        return form_page(request, "signup.html")

    @routes.post("/signup")
    def signup(request: Request, form: FormFields) -> Response:
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/signup")
        email, password = form.get("email", ""), form.get("password", "")
        services, info = pages.services(request), request_info(request)
        try:
            services.accounts.sign_up(email, password, info,
                                      language=request_language(request))
        except SecondLockError as exc:
            return form_page(request, "signup.html", email=email, error=exc)
        try:
            result = services.login.login(email, password, info)
        except SecondLockError:
            # The account exists; only the automatic sign-in was refused (throttled).
            return redirect("/login?notice=account-created")
        return after_password(request, settings, result)

    @routes.get("/login")
    def login_form(request: Request) -> Response:
        if pages.current(request) is not None:
            return redirect("/account")
        return form_page(request, "login.html")

    @routes.post("/login")
    def login(request: Request, form: FormFields) -> Response:
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/login")
        email = form.get("email", "")
        try:
            result = pages.services(request).login.login(
                email, form.get("password", ""), request_info(request),
                device_token=read_device_cookie(request, settings))
        except SecondLockError as exc:
            return form_page(request, "login.html", email=email, error=exc)
        return after_password(request, settings, result)

    @routes.post("/logout")
    def logout(request: Request, form: FormFields) -> Response:
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/")
        pages.services(request).sessions.logout(pages.session_token(request),
                                                request_info(request))
        # "Sign out and test" (after turning on 2FA) asks the sign-in page for a hint.
        then = "test-setup" if form.get("then") == "test-setup" else "signed-out"
        response = redirect(f"/login?notice={then}")
        clear_session_cookie(response, settings)
        return response

    return routes
