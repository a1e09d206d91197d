"""Request and response bodies of the v1 JSON API. Requests forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from secondlock.core.places import Place, country_name
from secondlock.services.sign_in import LoginResult


def _clean_text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


#: Text with a generous size cap; the services apply the real rules and give the right code.
Text = Annotated[str, Field(max_length=1024), AfterValidator(_clean_text)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class SignUpRequest(Strict):
    email: Text
    password: Text


class NotMeRequest(Strict):
    token: Annotated[str, Field(min_length=1, max_length=256)]


class AccountCreated(BaseModel):
    id: str
    email: str


#: A remembered device's token, as handed out by /login/verify (``remember_device``).
DeviceToken = Annotated[str, Field(max_length=256), AfterValidator(_clean_text)]


class LoginRequest(Strict):
    email: Text
    password: Text
    device_token: DeviceToken | None = None


class Authenticated(BaseModel):
    status: Literal["authenticated"]
    token: str
    #: Present when this device is (still) remembered: keep it, it replaces the one sent.
    device_token: str | None = None
    #: True when this sign-in with a factor stopped a pending recovery of the account.
    recovery_cancelled: bool | None = None
    #: SECONDLOCK_REQUIRE_2FA: true when this session may only add a factor (and read /me,
    #: sign out) until one is confirmed.
    enrollment_required: bool = False
    #: SECONDLOCK_REQUIRE_2FA during the grace period: add a factor by then.
    enroll_by: datetime | None = None

    @classmethod
    def of(cls, result: LoginResult) -> Authenticated:
        assert result.session is not None
        return cls(status="authenticated", token=result.session.token,
                   device_token=result.device_token,
                   enrollment_required=result.enrollment.required,
                   enroll_by=result.enrollment.enroll_by,
                   recovery_cancelled=result.recovery_cancelled or None)


class MfaRequired(BaseModel):
    status: Literal["mfa_required"]
    mfa_token: str
    methods: list[str]


Method = Literal["totp", "recovery_code", "sms", "email"]
Code = Annotated[str, Field(max_length=64), AfterValidator(_clean_text)]


class VerifyRequest(Strict):
    mfa_token: Text
    method: Method
    code: Code
    remember_device: bool = False


class ReauthRequest(Strict):
    password: Text | None = None
    method: Method | None = None
    code: Code | None = None


class Me(BaseModel):
    id: str
    email: str
    email_verified: bool
    mfa_enabled: bool
    methods: list[str]
    recovery_codes_remaining: int
    password_change_required: bool = False
    enrollment_required: bool = False
    enroll_by: datetime | None = None


class LocationOut(BaseModel):
    """Where an address is: ``country`` ISO 3166 alpha-2, ``city`` only with a City database."""

    country: str
    country_name: str
    city: str | None

    @classmethod
    def of(cls, place: Place | None) -> LocationOut | None:
        if place is None:
            return None
        return cls(country=place.country, country_name=country_name(place.country),
                   city=place.city)


class SessionOut(BaseModel):
    id: str
    created_at: datetime
    last_seen_at: datetime
    ip: str
    device: str
    current: bool
    location: LocationOut | None = None


class ActivityOut(BaseModel):
    id: int
    at: datetime
    event: str
    kind: str
    ip: str
    device: str
    method: str | None
    success: bool
    reason: str | None
    description: str
    location: LocationOut | None = None


class TrustedDeviceOut(BaseModel):
    id: str
    device: str
    ip: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    location: LocationOut | None = None


class AuthenticatorOut(BaseModel):
    id: str
    type: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    confirmed: bool


class NewTotp(Strict):
    name: Annotated[str, Field(max_length=64), AfterValidator(_clean_text)] | None = None


class TotpEnrollment(BaseModel):
    id: str
    secret: str
    otpauth_uri: str
    qr_svg: str
    expires_in: int


class ConfirmRequest(Strict):
    code: Code


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str]


class Rename(Strict):
    name: Annotated[str, Field(min_length=1, max_length=64), AfterValidator(_clean_text)]


class RecoveryRemaining(BaseModel):
    remaining: int


class RecoveryCodeSet(BaseModel):
    codes: list[str]
