"""Connected apps (/account/apps): the shops this account signs in to, each with a way out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.i18n import msg
from secondlock.web.deps import request_info
from secondlock.web.oidc.authorize import SCOPE_TEXT
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.pages.rendering import FormFields, Pages, redirect

NOTICES = {"disconnected": msg("The shop is disconnected. It has to ask you again to sign in."),
           "already": msg("That shop was already disconnected.")}


def router(pages: Pages) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/account/apps")
    def apps(request: Request) -> Response:
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        return pages.render(request, "oidc_apps.html", user=view, scope_text=SCOPE_TEXT,
                            apps=oidc_of(request).apps.list(view.account_id),
                            done=NOTICES.get(request.query_params.get("done", "")))

    @routes.post("/account/apps/disconnect")
    def disconnect(request: Request, form: FormFields) -> Response:
        if not pages.csrf_ok(request, form):
            return pages.csrf_failed(request, "/account/apps")
        view = pages.current(request)
        if view is None:
            return pages.to_login(request)
        done = oidc_of(request).apps.disconnect(view.account_id, form.get("client_id", ""),
                                                request_info(request))
        return redirect("/account/apps?done=" + ("disconnected" if done else "already"))

    return routes
