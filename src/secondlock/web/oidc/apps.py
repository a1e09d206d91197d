"""Connected apps (/account/apps): the shops this account signs in to, each with a way out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.i18n import msg
from secondlock.web.deps import request_info
from secondlock.web.oidc.authorize import SCOPE_TEXT
from secondlock.web.oidc.endpoints import oidc_of
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.rendering import redirect

NOTICES = {"disconnected": msg("The shop is disconnected. It has to ask you again to sign in."),
           "already": msg("That shop was already disconnected.")}

router = APIRouter(include_in_schema=False)


@router.get("/account/apps")
def apps(request: Request, pages: Renderer, view: SignedIn) -> Response:
    return pages.render(request, "oidc_apps.html", user=view, scope_text=SCOPE_TEXT,
                        apps=oidc_of(request).apps.list(view.account_id),
                        done=NOTICES.get(request.query_params.get("done", "")))


@router.post("/account/apps/disconnect")
def disconnect(request: Request, pages: Renderer,
               form: Annotated[Form, checked_form("/account/apps")],
               view: SignedIn) -> Response:
    done = oidc_of(request).apps.disconnect(view.account_id, form.get("client_id", ""),
                                            request_info(request))
    return redirect("/account/apps?done=" + ("disconnected" if done else "already"))
