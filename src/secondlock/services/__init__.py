"""Use cases. The only layer that commits; shared by the API, the pages and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from secondlock.services.accounts import AccountService
from secondlock.services.activity import ActivityService
from secondlock.services.admin import AdminService
from secondlock.services.authenticators import AuthenticatorService
from secondlock.services.checkup import CheckupService
from secondlock.services.login import LoginService
from secondlock.services.not_me import NotMeService
from secondlock.services.oob import OobService
from secondlock.services.password_change import PasswordChangeService
from secondlock.services.password_reset import PasswordResetService
from secondlock.services.reauth import ReauthService
from secondlock.services.recovery import RecoveryCodeService
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import SecondFactor
from secondlock.services.second_step import SecondStepService
from secondlock.services.sessions import SessionService
from secondlock.services.trusted_devices import TrustedDeviceService
from secondlock.services.webauthn_keys import WebAuthnKeyService
from secondlock.services.webauthn_login import WebAuthnSignIn


@dataclass
class Services:
    rt: Runtime
    accounts: AccountService
    sessions: SessionService
    login: LoginService
    second_step: SecondStepService
    reauth: ReauthService
    authenticators: AuthenticatorService
    recovery_codes: RecoveryCodeService
    admin: AdminService
    activity: ActivityService
    trusted_devices: TrustedDeviceService
    not_me: NotMeService
    checkup: CheckupService
    # Password reset and change (issue #4).
    password_reset: PasswordResetService
    password_change: PasswordChangeService
    oob: OobService  # SMS and email codes (#4)
    webauthn_keys: WebAuthnKeyService
    webauthn_sign_in: WebAuthnSignIn

    @classmethod
    def build(cls, rt: Runtime) -> Services:
        sessions = SessionService(rt)
        factor = SecondFactor(rt)
        return cls(rt=rt, accounts=AccountService(rt), sessions=sessions,
                   login=LoginService(rt, sessions),
                   second_step=SecondStepService(rt, sessions, factor),
                   reauth=ReauthService(rt, factor),
                   authenticators=AuthenticatorService(rt),
                   recovery_codes=RecoveryCodeService(rt), admin=AdminService(rt),
                   activity=ActivityService(rt), trusted_devices=TrustedDeviceService(rt),
                   not_me=NotMeService(rt), checkup=CheckupService(rt),
                   password_reset=PasswordResetService(rt),
                   password_change=PasswordChangeService(rt),
                   oob=OobService(rt),
                   webauthn_keys=WebAuthnKeyService(rt),
                   webauthn_sign_in=WebAuthnSignIn(rt, sessions, factor))


__all__ = ["Runtime", "Services"]
