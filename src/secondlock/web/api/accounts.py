"""POST /api/v1/accounts."""

from __future__ import annotations

from fastapi import APIRouter, Request

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import AccountCreated, SignUpRequest
from secondlock.web.deps import request_info, services_of

router = APIRouter(tags=["accounts"])


@router.post("/accounts", status_code=201,
             responses=errors(409, 422, 429))
def create_account(body: SignUpRequest, request: Request) -> AccountCreated:
    """Create an account with email and password."""
    created = services_of(request).accounts.sign_up(body.email, body.password,
                                                    request_info(request))
    return AccountCreated(id=created.id, email=created.email)
