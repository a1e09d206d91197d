"""Password reset (POST /password-reset, /password-reset/complete) and change (/me/password).

The reset request answers 202 before anything is looked up: the link is mailed by a
background task after the answer went out, so neither the answer nor its timing tells
whether the address has an account.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request, Response

from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import Strict, Text
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(tags=["password"])

ACCEPTED = ("If an account uses this address, we sent it a link to choose a new password. "
            "The link works once, for 60 minutes.")


class PasswordResetRequest(Strict):
    email: Text


class PasswordResetAccepted(Strict):
    detail: str


class PasswordResetComplete(Strict):
    token: Text
    new_password: Text


class PasswordChangeRequest(Strict):
    #: May be left out only while a change is forced (``password_change_required``).
    current_password: Text | None = None
    new_password: Text


@router.post("/password-reset", status_code=202, responses=errors(429))
def request_reset(body: PasswordResetRequest, request: Request,
                  background: BackgroundTasks) -> PasswordResetAccepted:
    """Mail a single-use link to choose a new password (60 minutes).

    The answer is the same whether or not the address has an account. At most 3 requests
    per address and 20 per network an hour (429 with Retry-After).
    """
    service, info = services_of(request).password_reset, request_info(request)
    normal = service.admit(body.email, info)
    background.add_task(service.send_link, normal, info)
    return PasswordResetAccepted(detail=ACCEPTED)


@router.post("/password-reset/complete", status_code=204, response_class=Response,
             responses=errors(410, 422))
def complete_reset(body: PasswordResetComplete, request: Request) -> Response:
    """Set a new password with the mailed token.

    Creates no session: sign in with the new password, and the second factor is asked as
    before. Every session and remembered device of the account ends. 400 ``invalid_token``
    for a token we never issued, 410 ``reset_link_expired`` for one used, replaced by a
    newer link, or older than 60 minutes, 422 ``weak_password`` (the token stays usable).
    """
    services_of(request).password_reset.complete(body.token, body.new_password,
                                                 request_info(request))
    return Response(status_code=204)


@router.post("/me/password", status_code=204, response_class=Response, tags=["me"],
             responses=errors(401, 403, 422, 429))
def change_password(body: PasswordChangeRequest, request: Request,
                    token: BearerToken) -> Response:
    """Change the password: needs a recent sign-in (403 ``reauth_required``) and the current
    password (403 ``invalid_current_password``).

    Other sessions end and remembered devices are forgotten; this session's token keeps
    working. While ``password_change_required`` is true (GET /me), ``current_password``
    may be left out. 422 ``weak_password`` under the sign-up rules, or ``reused``.
    """
    services = services_of(request)
    view = services.sessions.authenticate(token)
    services.password_change.change(view, body.current_password, body.new_password,
                                    request_info(request))
    return Response(status_code=204)
