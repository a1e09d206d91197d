"""Finishing a recovery after its wait: every factor goes, the password signs in (issue #15)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import NotFoundError, RecoveryEndedError, RecoveryWaitingError
from secondlock.core.i18n import msg
from secondlock.core.methods import Method
from secondlock.core.request_info import RequestInfo
from secondlock.services.activity import event
from secondlock.services.outbox import emit_event
from secondlock.services.recovery_notices import recovery_completed
from secondlock.services.second_factor import mfa_key
from secondlock.services.sign_in import (
    PASSWORD_AMR,
    LoginResult,
    complete_sign_in,
)
from secondlock.services.sign_out import sign_out_everywhere
from secondlock.storage.orm_recovery import WAITING
from secondlock.storage.repositories import (
    Accounts,
    Activity,
    Authenticators,
    RecoveryCodes,
    Throttles,
)
from secondlock.storage.repositories.recoveries import Recoveries

if TYPE_CHECKING:
    from secondlock.services.recovery import RecoveryService

ENDED_TEXT = msg("This recovery has ended: it was stopped or has already finished.")


def remove_every_factor(s: DbSession, account_id: str, now: datetime) -> str:
    """Every factor, recovery code, session, remembered device and pending sign-in of the
    account goes (inside the caller's transaction); returns the counts for the record."""
    factors = Authenticators(s).delete_all(account_id)
    RecoveryCodes(s).delete_all(account_id)
    Accounts(s).set_mfa_enabled(account_id, None)
    Throttles(s).reset(mfa_key(account_id))
    ended = sign_out_everywhere(s, account_id, now=now)
    return f"factors={factors}; {ended.detail}"


def complete_recovery(service: RecoveryService, token: str, password: str,
                      info: RequestInfo) -> LoginResult:
    """One conditional UPDATE decides: of two completions at once, exactly one signs in."""
    from secondlock.services.recovery import token_hash_of

    rt = service.rt
    token_hash = token_hash_of(token)
    with rt.db.read() as s:
        row = Recoveries(s).by_token_hash(token_hash)
        account = Accounts(s).get(row.account_id) if row is not None else None
    if row is None or account is None:
        raise NotFoundError(msg("No recovery was started with this link yet."))
    if row.status != WAITING:
        raise RecoveryEndedError(ENDED_TEXT)
    if row.ready_at > rt.clock.now():
        raise RecoveryWaitingError(row.ready_at, msg(
            "The waiting period is not over yet. Come back after it ends."))
    attempts = service.check_password(account, password, info)
    now = rt.clock.now()
    with rt.db.write() as s:
        attempts.succeeded(Throttles(s))
        if not Recoveries(s).complete(row.id, now):
            raise RecoveryEndedError(ENDED_TEXT)
        detail = remove_every_factor(s, account.id, now)
        Activity(s).add(event(at=now, name="recovery_completed", info=info, success=True,
                              account_id=account.id, detail=detail))
        signed_in = complete_sign_in(s, rt, account_id=account.id, method=Method.PASSWORD,
                                     amr=PASSWORD_AMR, info=info)
        emit_event(rt, s, "recovery.completed", account_id=account.id, info=info, at=now)
        recovery_completed(s, rt, account.email, info)
        s.commit()
    return signed_in.result()
