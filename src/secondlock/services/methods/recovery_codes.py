"""Recovery codes: issue a set, regenerate (voids the old set), count what is left."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session as DbSession

from secondlock.core import recovery_codes
from secondlock.core.errors import ConflictError
from secondlock.core.i18n import msg
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.notices import queue_notice
from secondlock.services.outbox import emit_event
from secondlock.services.recent_auth import require_recent_auth
from secondlock.services.runtime import Runtime
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.orm import RecoveryCode
from secondlock.storage.repositories import Activity, RecoveryCodes


def issue_codes(s: DbSession, account_id: str, now: datetime) -> list[str]:
    """Replace the account's codes with a fresh set, in the caller's transaction."""
    codes = recovery_codes.generate()
    rows = [RecoveryCode(id=str(uuid.uuid4()), account_id=account_id,
                         code_hash=recovery_codes.hash_code(code), created_at=now)
            for code in codes]
    RecoveryCodes(s).replace(account_id, rows)
    return codes


class RecoveryCodeService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def remaining(self, account_id: str) -> int:
        with self.rt.db.read() as s:
            return RecoveryCodes(s).remaining(account_id)

    def regenerate(self, view: SessionView, info: RequestInfo) -> list[str]:
        """A new set of ten; every old code stops working at once.

        Raises:
            ReauthRequiredError, ConflictError (two-factor authentication is off).
        """
        require_recent_auth(self.rt, view)
        if not view.mfa_enabled:
            raise ConflictError(msg("Turn on two-factor authentication first."))
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            codes = issue_codes(s, view.account_id, now)
            forget_all_devices(s, view.account_id)
            Activity(s).add(event(at=now, name="recovery_codes_regenerated", info=info,
                                  success=True, account_id=view.account_id))
            emit_event(self.rt, s, "recovery_codes.regenerated", account_id=view.account_id,
                       info=info, at=now)
            queue_notice(s, self.rt, to=view.email, kind="recovery_codes_regenerated", at=now,
                         info=info, subject=msg("new recovery codes"),
                         headline=msg("You made a new set of recovery codes."),
                         details=[msg("Your old recovery codes no longer work. Keep the new "
                                      "ones somewhere safe, away from your phone.")])
            s.commit()
        return codes
