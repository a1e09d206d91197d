"""The admin API for staff and helpdesk integrations: /api/v1/admin.

Every route acts as one staff member, named by an API key (``Authorization: Bearer slk_...``);
a shopper's session token is never accepted. The services check the role, refuse staff
their own account, and write the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, StringConstraints

from secondlock.services.staff import StaffActor
from secondlock.services.staff_desk import AccountDetail
from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import ActivityOut
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(prefix="/admin", tags=["admin"])

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Ticket = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
AccountId = Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-fA-F-]+$")]


def staff_actor(request: Request, token: BearerToken) -> StaffActor:
    """The staff member the request's API key acts as (401 without a valid one)."""
    return services_of(request).staff.by_key(token, request_info(request).ip)


Actor = Annotated[StaffActor, Depends(staff_actor)]


class AccountSummaryOut(BaseModel):
    id: str
    email: str
    mfa_enabled: bool
    methods: list[str]
    locked: bool
    created_at: datetime
    last_sign_in_at: datetime | None


class FactorOut(BaseModel):
    id: str
    type: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    confirmed: bool
    destination: str | None


class AccountDetailOut(BaseModel):
    id: str
    email: str
    email_confirmed: bool
    mfa_enabled: bool
    factors: list[FactorOut]
    recovery_codes_remaining: int
    sessions: list[dict[str, Any]]
    trusted_devices: list[dict[str, Any]]
    locked_until: datetime | None
    recovery: dict[str, Any] | None


class ReasonIn(BaseModel):
    reason: Text
    ticket: Ticket | None = None


class SignOutIn(ReasonIn):
    require_new_password: bool = False


class ResetIn(BaseModel):
    reason: Text
    ticket: Ticket


class ApprovalOut(BaseModel):
    approval_id: str


class AuditOut(BaseModel):
    at: datetime
    staff: str
    action: str
    account_id: str | None
    reason: str | None
    ticket: str | None
    ip: str


@router.get("/accounts", responses=errors(401, 403, 422, 429))
def search(request: Request, actor: Actor,
           query: Annotated[str, Query(min_length=1, max_length=254)]) -> list[AccountSummaryOut]:
    """Up to 50 accounts whose email starts with ``query``, or with that whole phone number."""
    found = services_of(request).staff_desk.search(actor, query, request_info(request))
    return [AccountSummaryOut(**vars(a)) for a in found]


@router.get("/accounts/{account_id}", responses=errors(401, 403, 404, 429))
def detail(request: Request, actor: Actor, account_id: AccountId) -> AccountDetailOut:
    """What support needs to help: factors, codes left, sessions, devices, locks. Never a
    secret; phone numbers masked."""
    found: AccountDetail = services_of(request).staff_desk.detail(actor, account_id,
                                                                  request_info(request))
    return AccountDetailOut(
        id=found.id, email=found.email, email_confirmed=found.email_confirmed,
        mfa_enabled=found.mfa_enabled, factors=[FactorOut(**vars(f)) for f in found.factors],
        recovery_codes_remaining=found.recovery_codes_remaining,
        sessions=[vars(x) for x in found.sessions],
        trusted_devices=[vars(x) for x in found.trusted_devices],
        locked_until=found.locked_until, recovery=found.recovery)


@router.get("/accounts/{account_id}/activity", responses=errors(401, 403, 404, 422, 429))
def activity(request: Request, actor: Actor, account_id: AccountId,
             before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
             limit: Annotated[int, Query(ge=1, le=100)] = 50) -> list[ActivityOut]:
    """The shopper's activity, as ``/me/activity`` shows it."""
    page = services_of(request).staff_desk.activity(actor, account_id, request_info(request),
                                                    before=before, limit=limit)
    return [ActivityOut(id=e.id, at=e.at, event=e.event, kind=e.kind, ip=e.ip, device=e.device,
                        method=e.method, success=e.success, reason=e.reason,
                        description=e.description) for e in page.entries]


@router.post("/accounts/{account_id}/unlock", status_code=204, response_class=Response,
             responses=errors(401, 403, 404, 422, 429))
def unlock(request: Request, actor: Actor, account_id: AccountId, body: ReasonIn) -> Response:
    """Lift the sign-in locks (password and second step)."""
    services_of(request).staff_actions.unlock(actor, account_id, reason=body.reason,
                                              ticket=body.ticket, info=request_info(request))
    return Response(status_code=204)


@router.post("/accounts/{account_id}/sign-out", status_code=204, response_class=Response,
             responses=errors(401, 403, 404, 422, 429))
def sign_out(request: Request, actor: Actor, account_id: AccountId,
             body: SignOutIn) -> Response:
    """End every session and remembered device; optionally require a new password."""
    services_of(request).staff_actions.sign_out(
        actor, account_id, reason=body.reason, ticket=body.ticket, info=request_info(request),
        require_new_password=body.require_new_password)
    return Response(status_code=204)


@router.post("/accounts/{account_id}/reset-2fa", status_code=204, response_class=Response,
             responses={202: {"model": ApprovalOut}, **errors(401, 403, 404, 422, 429)})
def reset_2fa(request: Request, actor: Actor, account_id: AccountId, body: ResetIn) -> Response:
    """Remove every factor and recovery code and end every session and remembered device.
    With ``SECONDLOCK_STAFF_RESET_APPROVAL=1``: 202 and an approval id; nothing changes yet."""
    approval_id = services_of(request).staff_actions.reset_2fa(
        actor, account_id, reason=body.reason, ticket=body.ticket, info=request_info(request))
    if approval_id is not None:
        return JSONResponse({"approval_id": approval_id}, status_code=202)
    return Response(status_code=204)


@router.post("/approvals/{approval_id}/approve", status_code=204, response_class=Response,
             responses=errors(401, 403, 404, 409, 429))
def approve(request: Request, actor: Actor, approval_id: AccountId) -> Response:
    """An admin other than the requester approves a waiting reset (403 ``same_person``)."""
    services_of(request).staff_actions.approve(actor, approval_id, request_info(request))
    return Response(status_code=204)


@router.get("/audit", responses=errors(401, 403, 422, 429))
def audit(request: Request, actor: Actor,
          account_id: Annotated[AccountId | None, Query()] = None) -> list[AuditOut]:
    """Every staff action and read, newest first (admins only)."""
    entries = services_of(request).staff_desk.audit(actor, request_info(request),
                                                    account_id=account_id)
    return [AuditOut(at=e.at, staff=e.staff, action=e.action, account_id=e.account_id,
                     reason=e.reason, ticket=e.ticket, ip=e.ip) for e in entries]
