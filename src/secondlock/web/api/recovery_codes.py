"""/api/v1/me/recovery-codes: how many are left, and a new set."""

from __future__ import annotations

from fastapi import APIRouter, Request

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import RecoveryCodeSet, RecoveryRemaining
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(prefix="/me", tags=["second factors"])


@router.get("/recovery-codes", responses=errors(401))
def recovery_codes_left(request: Request, token: BearerToken) -> RecoveryRemaining:
    """How many unused recovery codes the account has."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return RecoveryRemaining(remaining=services.recovery_codes.remaining(view.account_id))


@router.post("/recovery-codes", status_code=201, responses=errors(401, 403, 409))
def regenerate(request: Request, token: BearerToken) -> RecoveryCodeSet:
    """A new set of ten recovery codes; the old set stops working. Needs recent auth."""
    services = services_of(request)
    view = services.sessions.authenticate(token)
    return RecoveryCodeSet(codes=services.recovery_codes.regenerate(view, request_info(request)))
