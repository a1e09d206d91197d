"""POST /api/v1/accounts, and POST /api/v1/not-me for the link in security mails."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import AccountCreated, NotMeRequest, SignUpRequest
from secondlock.web.deps import request_info, services_of
from secondlock.web.i18n import request_language

router = APIRouter(tags=["accounts"])


@router.post("/accounts", status_code=201,
             responses=errors(409, 422, 429))
def create_account(body: SignUpRequest, request: Request) -> AccountCreated:
    """Create an account with email and password."""
    # The shop's own pages send the shopper's Accept-Language along: mail follows it.
    created = services_of(request).accounts.sign_up(body.email, body.password,
                                                    request_info(request),
                                                    language=request_language(request))
    return AccountCreated(id=created.id, email=created.email)


@router.post("/not-me", status_code=204, response_class=Response, responses=errors(400, 422))
def not_me(body: NotMeRequest, request: Request) -> Response:
    """"This wasn't me": the token from a security mail's link signs out every session, forgets
    remembered devices and asks for a new password at the next sign-in. Works once; needs no
    session. For shops that show the link's page themselves."""
    services_of(request).not_me.secure_account(body.token, request_info(request))
    return Response(status_code=204)
