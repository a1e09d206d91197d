"""Use cases. The only layer that commits; shared by the API, the pages and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from secondlock.services.accounts import AccountService
from secondlock.services.activity import ActivityService
from secondlock.services.admin import AdminService
from secondlock.services.checkup import CheckupService
from secondlock.services.factors import AuthenticatorService
from secondlock.services.login import LoginService
from secondlock.services.methods.authenticator_app import AuthenticatorAppService
from secondlock.services.methods.recovery_codes import RecoveryCodeService
from secondlock.services.methods.security_key_sign_in import SecurityKeySignIn
from secondlock.services.methods.security_keys import SecurityKeyService
from secondlock.services.methods.sms_email_codes import SmsEmailCodeService
from secondlock.services.not_me import NotMeService
from secondlock.services.password_change import PasswordChangeService
from secondlock.services.password_reset import PasswordResetService
from secondlock.services.reauth import ReauthService
from secondlock.services.recovery import RecoveryService
from secondlock.services.recovery_admin import RecoveryAdmin
from secondlock.services.runtime import Runtime
from secondlock.services.second_factor import SecondFactor
from secondlock.services.second_step import SecondStepService
from secondlock.services.sessions import SessionService
from secondlock.services.staff import StaffService
from secondlock.services.staff_actions import StaffActions
from secondlock.services.staff_desk import StaffDesk
from secondlock.services.trusted_devices import TrustedDeviceService


@dataclass
class Services:
    rt: Runtime
    accounts: AccountService
    sessions: SessionService
    login: LoginService
    second_step: SecondStepService
    reauth: ReauthService
    authenticators: AuthenticatorService
    authenticator_app: AuthenticatorAppService
    recovery_codes: RecoveryCodeService
    admin: AdminService
    activity: ActivityService
    trusted_devices: TrustedDeviceService
    not_me: NotMeService
    checkup: CheckupService
    # Password reset and change (issue #4).
    password_reset: PasswordResetService
    password_change: PasswordChangeService
    sms_email_codes: SmsEmailCodeService
    security_keys: SecurityKeyService
    security_key_sign_in: SecurityKeySignIn
    # Lost every factor: recovery with a waiting period (#15).
    recovery: RecoveryService
    recovery_admin: RecoveryAdmin
    # Staff and the support desk (issue #14).
    staff: StaffService
    staff_desk: StaffDesk
    staff_actions: StaffActions

    @classmethod
    def build(cls, rt: Runtime) -> Services:
        sessions = SessionService(rt)
        factor = SecondFactor(rt)
        return cls(rt=rt, accounts=AccountService(rt), sessions=sessions,
                   login=LoginService(rt, sessions),
                   second_step=SecondStepService(rt, sessions, factor),
                   reauth=ReauthService(rt, factor),
                   authenticators=AuthenticatorService(rt),
                   authenticator_app=AuthenticatorAppService(rt),
                   recovery_codes=RecoveryCodeService(rt), admin=AdminService(rt),
                   activity=ActivityService(rt), trusted_devices=TrustedDeviceService(rt),
                   not_me=NotMeService(rt), checkup=CheckupService(rt),
                   password_reset=PasswordResetService(rt),
                   password_change=PasswordChangeService(rt),
                   sms_email_codes=SmsEmailCodeService(rt),
                   security_keys=SecurityKeyService(rt),
                   security_key_sign_in=SecurityKeySignIn(rt, sessions, factor),
                   recovery=RecoveryService(rt), recovery_admin=RecoveryAdmin(rt),
                   staff=StaffService(rt), staff_desk=StaffDesk(rt),
                   staff_actions=StaffActions(rt))


__all__ = ["Runtime", "Services"]
