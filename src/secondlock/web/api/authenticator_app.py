"""/api/v1/me/authenticators/totp: start adding an authenticator app.

It is confirmed like every other factor, on ``/me/authenticators/{id}/confirm``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import NewTotp, TotpEnrollment
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(prefix="/me", tags=["second factors"])


@router.post("/authenticators/totp", status_code=201, responses=errors(401, 403, 429))
def enroll_totp(body: NewTotp, request: Request, token: BearerToken) -> TotpEnrollment:
    """Start adding an authenticator app. The secret is shown only in this answer.

    It stays pending until confirmed with a code, and expires after 10 minutes.
    Needs a recent authentication.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    started = services.authenticator_app.enroll(view, body.name, request_info(request))
    return TotpEnrollment(id=started.id, secret=started.secret, otpauth_uri=started.otpauth_uri,
                          qr_svg=started.qr_svg, expires_in=started.expires_in)
