"""The security checkup: gather the facts in one read, judge them with core.checkup."""

from __future__ import annotations

from datetime import datetime, timedelta

from secondlock.core.checkup import REVIEW_DAYS, Checkup, CheckupFacts, evaluate, is_stale
from secondlock.core.devices import describe_device
from secondlock.core.places import describe_place
from secondlock.core.request_info import RequestInfo
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.runtime import Runtime
from secondlock.services.sign_in_places import IMPOSSIBLE_TRAVEL, NEW_LOCATION
from secondlock.storage.repositories import Accounts, Activity, Authenticators, RecoveryCodes


class CheckupService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def run(self, view: SessionView) -> Checkup:
        now = self.rt.clock.now()
        since = now - timedelta(days=REVIEW_DAYS)
        with self.rt.db.read() as s:
            account = Accounts(s).get(view.account_id)
            if account is not None and account.devices_reviewed_at is not None:
                since = max(since, account.devices_reviewed_at)
            sign_ins = Activity(s).new_device_sign_ins(view.account_id, since)
            places = Activity(s).events_since(view.account_id,
                                              (NEW_LOCATION, IMPOSSIBLE_TRAVEL), since)
            rows = Authenticators(s).for_account(view.account_id, confirmed_only=True)
            codes = RecoveryCodes(s).remaining(view.account_id)
        return evaluate(CheckupFacts(
            mfa_enabled=view.mfa_enabled, factor_count=len(rows), recovery_codes_left=codes,
            unreviewed_sign_ins=tuple((describe_device(agent), at) for agent, at in sign_ins),
            password_blocklisted=account is not None and account.password_blocklisted,
            email_verified=view.email_verified,
            unreviewed_places=self._places(places),
            stale_factors=tuple(r.name for r in rows if is_stale(
                last_used_at=r.last_used_at, confirmed_at=r.confirmed_at, now=now,
                days=self.rt.settings.stale_factor_days)),
            stale_days=self.rt.settings.stale_factor_days))

    def _places(self, rows: list[tuple[str, str, datetime]]
                ) -> tuple[tuple[str, datetime, bool], ...]:
        found = []
        for name, ip, at in rows:
            place = describe_place(self.rt.places.locate(ip))
            found.append((place or ip, at, name == IMPOSSIBLE_TRAVEL))
        return tuple(found)

    def mark_devices_reviewed(self, view: SessionView, info: RequestInfo) -> None:
        """The owner says the recent sign-ins from new devices were all theirs."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            Accounts(s).set_devices_reviewed(view.account_id, now)
            Activity(s).add(event(at=now, name="devices_reviewed", info=info, success=True,
                                  account_id=view.account_id))
            s.commit()
