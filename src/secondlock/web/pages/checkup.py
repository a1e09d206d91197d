"""The security checkup page, and the two fixes that are a single button."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import RateLimitedError
from secondlock.web.deps import request_info
from secondlock.web.pages.rendering import FormFields, Pages, redirect


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(prefix="/account", include_in_schema=False)

    @routes.get("/checkup")
    def checkup(request: Request) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        return pages.render(request, "checkup.html", user=view,
                            checkup=pages.services(request).checkup.run(view))

    @routes.post("/checkup/reviewed")
    def reviewed(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/checkup")
        pages.services(request).checkup.mark_devices_reviewed(view, request_info(request))
        return redirect("/account/checkup?notice=devices-reviewed")

    @routes.post("/email/resend")
    def resend(request: Request, form: FormFields) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account")
        try:
            sent = pages.services(request).accounts.resend_verification(
                view.account_id, request_info(request))
        except RateLimitedError:
            return redirect("/account/checkup?notice=resend-limited")
        return redirect("/account/checkup?notice=" + ("link-sent" if sent else "confirmed"))

    return routes
