"""SMS and email codes: add a phone or an address, send sign-in and reauth codes (#4)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from pydantic import AfterValidator, BaseModel, Field

from secondlock.services.methods.sms_email_code_sending import CodeSent
from secondlock.services.methods.sms_email_codes import PendingCode
from secondlock.web.api.docs import errors
from secondlock.web.api.schemas import Strict, Text, _clean_text
from secondlock.web.deps import BearerToken, request_info, services_of

router = APIRouter(tags=["sms and email codes"])

Name = Annotated[str, Field(max_length=64), AfterValidator(_clean_text)]
OobMethod = Literal["sms", "email"]
AuthenticatorId = Path(max_length=64, pattern=r"^[0-9a-fA-F-]+$")


class NewSms(Strict):
    phone: Annotated[str, Field(max_length=64), AfterValidator(_clean_text)]
    name: Name | None = None


class NewEmailFactor(Strict):
    email: Text | None = None
    name: Name | None = None


class ChallengeRequest(Strict):
    mfa_token: Text
    method: OobMethod


class ReauthChallengeRequest(Strict):
    method: OobMethod


class CodeSentOut(BaseModel):
    #: Masked: ``+1 ••• ••• 2671`` or ``a•••@example.com``.
    sent_to: str
    #: Seconds the code stays valid.
    expires_in: int
    #: Seconds until a new code may be asked for (429 with Retry-After before that).
    resend_in: int
    #: The code is queued in the outbox and goes out at once, off the request path: ask
    #: ``POST /login/challenge/status`` (or ``/reauth/challenge/status``) what became of it.
    delivery: Literal["pending"] = "pending"


class FactorStarted(CodeSentOut):
    id: str


class CodeStateOut(BaseModel):
    #: Masked, as above.
    sent_to: str
    #: What became of the last code: ``none`` (none asked for yet), ``pending`` (not tried
    #: yet), ``sent`` (the gateway or mail server took it) or ``failed`` (it could not be
    #: sent: ask for a new code at once, or use another method).
    delivery: Literal["none", "pending", "sent", "failed"]
    #: Seconds until a new code may be asked for; 0 after a failed delivery.
    resend_in: int


def _sent(sent: CodeSent) -> CodeSentOut:
    return CodeSentOut(sent_to=sent.sent_to, expires_in=sent.expires_in,
                       resend_in=sent.resend_in)


def _state(pending: PendingCode) -> CodeStateOut:
    return CodeStateOut(sent_to=pending.sent_to, resend_in=pending.resend_in,
                        delivery=pending.delivery)


def _started(sent: CodeSent) -> FactorStarted:
    return FactorStarted(id=sent.id, sent_to=sent.sent_to, expires_in=sent.expires_in,
                         resend_in=sent.resend_in)


@router.post("/me/authenticators/sms", status_code=201,
             responses=errors(401, 403, 409, 422, 429, 503))
def enroll_sms(body: NewSms, request: Request, token: BearerToken) -> FactorStarted:
    """Add a phone for text-message codes: the number gets a code at once.

    ``phone`` in E.164 (``+12015550123``) or national form when the server has a default
    region. Pending until confirmed with ``POST /me/authenticators/{id}/confirm``. Needs a
    recent authentication. Text messages are the weakest second factor (SIM swapping).
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return _started(services.sms_email_codes.enroll_sms(view, body.phone, body.name,
                                            request_info(request)))


@router.post("/me/authenticators/email", status_code=201,
             responses=errors(401, 403, 409, 422, 429))
def enroll_email(body: NewEmailFactor, request: Request, token: BearerToken) -> FactorStarted:
    """Add an email address for codes (the account's own by default): it gets a code at once.

    Confirm with ``POST /me/authenticators/{id}/confirm``. An email code is a weak factor:
    sign-ins with it never count as multi-factor (no ``mfa`` in ``amr``).
    """
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return _started(services.sms_email_codes.enroll_email(view, body.email, body.name,
                                              request_info(request)))


@router.post("/me/authenticators/{authenticator_id:id}/resend", status_code=202,
             responses=errors(401, 404, 429, 503))
def resend_enrollment(request: Request, token: BearerToken,
                      authenticator_id: str = AuthenticatorId) -> CodeSentOut:
    """A new code for a pending phone or address; the previous code stops working."""
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return _sent(services.sms_email_codes.resend_enrollment(view, authenticator_id,
                                                request_info(request)))


@router.post("/login/challenge", status_code=202, responses=errors(401, 404, 410, 429, 503))
def login_challenge(body: ChallengeRequest, request: Request) -> CodeSentOut:
    """Send a sign-in code by ``sms`` or ``email`` for the pending sign-in.

    The code is queued and goes out off the request path (``delivery: "pending"``);
    ``POST /login/challenge/status`` tells whether it was sent or failed. Asking again sends
    a new code and voids the old one; during the cooldown (30 s, then longer) the answer is
    429 with ``Retry-After``, unless the last code failed to go out. 503 ``delivery_failed``:
    text messages are off on this server, or not allowed to the number's country.
    """
    sent = services_of(request).sms_email_codes.send_login_code(body.mfa_token, body.method,
                                                    request_info(request))
    return _sent(sent)


@router.post("/reauth/challenge", status_code=202, responses=errors(401, 403, 404, 429, 503))
def reauth_challenge(body: ReauthChallengeRequest, request: Request,
                     token: BearerToken) -> CodeSentOut:
    """Send a code by ``sms`` or ``email`` to use with ``POST /reauth {"method", "code"}``."""
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return _sent(services.sms_email_codes.send_reauth_code(view, body.method,
                                                           request_info(request)))


@router.post("/login/challenge/status", responses=errors(401, 404, 410))
def login_challenge_status(body: ChallengeRequest, request: Request) -> CodeStateOut:
    """What became of the last sign-in code sent by ``sms`` or ``email``: ``pending``,
    ``sent`` or ``failed`` (then ask for a new one at once, or use another method)."""
    return _state(services_of(request).sms_email_codes.pending_login(body.mfa_token,
                                                                      body.method))


@router.post("/reauth/challenge/status", responses=errors(401, 404))
def reauth_challenge_status(body: ReauthChallengeRequest, request: Request,
                            token: BearerToken) -> CodeStateOut:
    """What became of the last "confirm it's you" code, as for the sign-in code."""
    services = services_of(request)
    view = services.sessions.authenticate(token, enrolling=True)
    return _state(services.sms_email_codes.pending_reauth(view, body.method))
