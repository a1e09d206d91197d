"""Checking a security key's assertion: the key, its owner, the signature and its counter.

Shared by the three ceremonies of ``security_key_sign_in`` (second step, passkey sign-in,
confirm it's you). A counter that did not move forward after a valid signature blocks the
key and mails the owner (WA-9).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core import webauthn
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.core.webauthn import ParsedCredential
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.runtime import Runtime
from secondlock.storage.orm import WebAuthnChallenge
from secondlock.storage.repositories import Accounts, Activity
from secondlock.storage.repositories.security_keys import WebAuthnCredentials

FAILED = msg("Your security key could not be verified. Try again, or use another way to "
             "sign in.")


@dataclass(frozen=True)
class KeyUse:
    """A verified assertion, not yet claimed (the counter compare-and-set)."""

    authenticator_id: str
    account_id: str
    name: str
    stored_count: int
    new_count: int
    backup_eligible: bool
    backup_state: bool


class KeyRefused(Exception):
    def __init__(self, reason: str, detail: str = FAILED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class AssertionChecks:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def check(self, parsed: ParsedCredential, stored: WebAuthnChallenge, *,
               account_id: str | None, require_uv: bool, info: RequestInfo) -> KeyUse:
        """Find the key, check its owner, verify the signature and judge the counter."""
        with self.rt.db.read() as s:
            found = WebAuthnCredentials(s).by_credential_id(parsed.credential_id)
            owner = Accounts(s).get(found[0].account_id) if found else None
        if found is None or owner is None:
            raise KeyRefused("unknown_key", msg("This key is not registered here. Use a key you "
                                                "added to your account."))
        cred, row = found
        if account_id is not None and cred.account_id != account_id:
            raise KeyRefused("other_account", msg("This key belongs to another account. Use a key "
                                                  "you added to your account."))
        if account_id is None and (parsed.user_handle is None or not hmac.compare_digest(
                parsed.user_handle, owner.user_handle)):
            raise KeyRefused("user_handle")
        if stored.account_id is not None and stored.account_id != cred.account_id:
            raise KeyRefused("other_account")
        if cred.flagged_at is not None:
            raise KeyRefused("flagged", msg("This key is blocked because it may have been copied. "
                                            "Use another way to sign in."))
        checked = webauthn.verify_assertion(
            parsed, expected_challenge=parsed.challenge, rp_id=self.rt.settings.rp_id,
            origin=self.rt.settings.origin, public_key=cred.public_key,
            require_user_verification=require_uv)
        if checked.backup_eligible != cred.backup_eligible:
            raise KeyRefused("backup_flags")  # BE never changes for a credential (WA-4)
        use = KeyUse(authenticator_id=cred.authenticator_id, account_id=cred.account_id,
                   name=row.name, stored_count=cred.sign_count,
                   new_count=checked.new_sign_count, backup_eligible=cred.backup_eligible,
                   backup_state=checked.backup_state)
        if webauthn.counter_regressed(cred.sign_count, checked.new_sign_count):
            raise self.cloned(use, info)
        return use

    def claim(self, s: DbSession, use: KeyUse) -> bool:
        return WebAuthnCredentials(s).advance(use.authenticator_id, stored=use.stored_count,
                                              new=use.new_count,
                                              backup_state=use.backup_state,
                                              now=self.rt.clock.now())

    def cloned(self, use: KeyUse, info: RequestInfo) -> KeyRefused:
        """Flag the key and queue the owner's mail once, both committed on their own; the
        refusal to raise."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            first = WebAuthnCredentials(s).flag(use.authenticator_id, now)
            account = Accounts(s).get(use.account_id)
            if first:
                Activity(s).add(event(at=now, name="security_key_flagged",
                                      info=info,
                                      success=True, account_id=use.account_id,
                                      reason="counter_regressed", method=Method.WEBAUTHN,
                                      detail=use.name))
            if first and account is not None:
                _flagged_notice(s, self.rt, account.email, use.name, info, now)
            s.commit()
        return KeyRefused("counter_regressed", msg("This key is blocked because it may have been "
                                                   "copied. Use another way to sign in."))


def _flagged_notice(s: DbSession, rt: Runtime, email: str, name: str, info: RequestInfo,
                    now: datetime) -> None:
    queue_notice(s, rt, to=email, kind="security_key_flagged", at=now, info=info,
                 subject=msg("a security key may have been copied"),
                 headline=msg("We blocked your security key \u201c%(name)s\u201d.", name=name),
                 details=[msg("It signed with a counter that went backwards. That happens when "
                              "a key was copied (cloned), so we no longer accept it."),
                          msg("If you still have the key, remove it on your security page and "
                              "add it again. If you think it was copied, also change your "
                              "password.")])


def refusal_reason(exc: Exception) -> str:
    return exc.reason if isinstance(exc, KeyRefused) else "invalid_assertion"


def refusal_detail(exc: Exception) -> str:
    if isinstance(exc, KeyRefused):
        return exc.detail
    return str(getattr(exc, "detail", "")) or FAILED

