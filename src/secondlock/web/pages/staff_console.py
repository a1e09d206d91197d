"""The support console (/admin): the admin API's use cases as pages, for staff signed in
with their own account and a security key or passkey (issue #14).

Each handler first asks ``_staff`` who the staff member is; a shopper, a staff member
signed in without a key, or an idle staff session gets a page that says what to do instead.
Every form carries the CSRF token; every change asks for a reason (and a ticket and the
identity checklist for a reset).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.core.errors import ForbiddenError, NotAuthenticatedError, SecondLockError
from secondlock.core.i18n import msg
from secondlock.core.views import SessionView
from secondlock.services.staff import StaffActor
from secondlock.web.deps import request_info
from secondlock.web.pages.deps import Form, Renderer, SignedIn, checked_form
from secondlock.web.pages.rendering import Pages, error_status, redirect

router = APIRouter(prefix="/admin", include_in_schema=False)
ID = re.compile(r"^[0-9a-fA-F-]{1,64}$")
ConsoleForm = Annotated[Form, checked_form("/admin")]


def _staff(request: Request, pages: Pages, view: SessionView) -> StaffActor | Response:
    """The staff member, or the page that explains why the console is closed to them."""
    try:
        return pages.services(request).staff.by_session(view)
    except NotAuthenticatedError:
        return pages.to_login(request)
    except ForbiddenError as exc:
        return pages.message(request, status=403, user=view,
                             title=msg("You cannot open the support console"),
                             text=exc.detail, links=[("/account/security",
                                                      msg("Go to your security settings"))])


def _checklist(pages: Pages) -> list[str]:
    return [item.strip() for item in pages.settings.staff_identity_checklist.split(";")
            if item.strip()]


@router.get("")
def home(request: Request, pages: Renderer, view: SignedIn) -> Response:
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    query = request.query_params.get("query", "").strip()[:254]
    found = pages.services(request).staff_desk.search(actor, query, request_info(request)) \
        if query else []
    return pages.render(request, "admin_home.html", user=view, staff=actor, query=query,
                        found=found)


@router.get("/accounts/{account_id}")
def account(request: Request, pages: Renderer, view: SignedIn, account_id: str) -> Response:
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    if not ID.match(account_id):
        return redirect("/admin")
    services = pages.services(request)
    try:
        detail = services.staff_desk.detail(actor, account_id, request_info(request))
        activity = services.staff_desk.activity(actor, account_id, request_info(request),
                                                limit=20)
    except SecondLockError as exc:
        status = error_status(exc)[0]
        return pages.message(request, status=status, user=view, title=exc.title,
                             text=exc.detail, links=[("/admin", msg("Back to the search"))])
    return pages.render(request, "admin_account.html", user=view, staff=actor, account=detail,
                        activity=activity.entries, checklist=_checklist(pages),
                        own=detail.id == actor.account_id)


@router.post("/accounts/{account_id}/{action}")
def act(request: Request, pages: Renderer, view: SignedIn, form: ConsoleForm,
        account_id: str, action: str) -> Response:
    """Unlock, sign out or reset 2FA, with a reason (and a ticket and checklist to reset)."""
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    back = f"/admin/accounts/{account_id}" if ID.match(account_id) else "/admin"
    reason, ticket = form.get("reason", "").strip(), form.get("ticket", "").strip()
    checked = all(form.get(f"check{i}") for i in range(len(_checklist(pages))))
    if not reason or (action == "reset-2fa" and (not ticket or not checked)):
        return redirect(back + "?notice=staff-incomplete")
    actions = pages.services(request).staff_actions
    info = request_info(request)
    try:
        if action == "unlock":
            actions.unlock(actor, account_id, reason=reason, ticket=ticket or None, info=info)
        elif action == "sign-out":
            actions.sign_out(actor, account_id, reason=reason, ticket=ticket or None, info=info,
                             require_new_password=bool(form.get("require_new_password")))
        elif action == "reset-2fa":
            if actions.reset_2fa(actor, account_id, reason=reason, ticket=ticket, info=info):
                return redirect(back + "?notice=staff-approval-asked")
        else:
            return redirect(back)
    except SecondLockError as exc:
        status = error_status(exc)[0]
        return pages.message(request, status=status, user=view, title=exc.title,
                             text=exc.detail, links=[(back, msg("Back to the account"))])
    return redirect(back + "?notice=staff-done")


@router.get("/approvals")
def approvals(request: Request, pages: Renderer, view: SignedIn) -> Response:
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    try:
        pending = pages.services(request).staff_actions.pending(actor)
    except SecondLockError as exc:
        return pages.message(request, status=403, user=view, title=exc.title, text=exc.detail,
                             links=[("/admin", msg("Back to the search"))])
    return pages.render(request, "admin_approvals.html", user=view, staff=actor,
                        pending=pending)


@router.post("/approvals/{approval_id}/approve")
def approve(request: Request, pages: Renderer, view: SignedIn, form: ConsoleForm,
            approval_id: str) -> Response:
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    try:
        pages.services(request).staff_actions.approve(actor, approval_id, request_info(request))
    except SecondLockError as exc:
        status = error_status(exc)[0]
        return pages.message(request, status=status, user=view, title=exc.title,
                             text=exc.detail, links=[("/admin/approvals",
                                                      msg("Back to the approvals"))])
    return redirect("/admin/approvals?notice=staff-done")


@router.get("/audit")
def audit(request: Request, pages: Renderer, view: SignedIn) -> Response:
    actor = _staff(request, pages, view)
    if isinstance(actor, Response):
        return actor
    account_id = request.query_params.get("account_id")
    try:
        entries = pages.services(request).staff_desk.audit(
            actor, request_info(request),
            account_id=account_id if account_id and ID.match(account_id) else None)
    except SecondLockError as exc:
        return pages.message(request, status=403, user=view, title=exc.title, text=exc.detail,
                             links=[("/admin", msg("Back to the search"))])
    return pages.render(request, "admin_audit.html", user=view, staff=actor, entries=entries)
