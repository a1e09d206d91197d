"""Server-side sessions: opaque tokens, idle and absolute timeouts, revocation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy.orm import Session as DbSession

from secondlock.core.errors import EnrollmentRequiredError, NotAuthenticatedError, NotFoundError
from secondlock.core.i18n import msg
from secondlock.core.log_context import note_account
from secondlock.core.request_info import RequestInfo
from secondlock.core.tokens import hash_token, new_token
from secondlock.core.views import SessionView
from secondlock.services.activity import event
from secondlock.services.enrollment import enrollment_rule
from secondlock.services.runtime import Runtime
from secondlock.services.trusted_devices import forget_all_devices
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.repositories import Activity, Sessions
from secondlock.storage.session_lookup import SessionLookup
from secondlock.storage.session_lookup_pg import AsyncSessionLookup

#: last_seen_at is written at most this often, so a busy client costs one SELECT per request.
TOUCH_INTERVAL = timedelta(seconds=60)


class SessionCheck(NamedTuple):
    """What a session lookup found, and what (if anything) it must write. Built on every
    request, so a named tuple (see ``SessionView``)."""

    view: SessionView
    expired: bool
    touch: bool

    @property
    def needs_write(self) -> bool:
        return self.expired or self.touch


@dataclass(frozen=True)
class ActiveSession:
    """One signed-in device or client of the account, as the account pages list them."""

    id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    amr: str
    ip: str
    user_agent: str


@dataclass(frozen=True)
class IssuedSession:
    id: str
    token: str
    expires_at: datetime


def issue_session(s: DbSession, *, account_id: str, amr: str, info: RequestInfo,
                  now: datetime, absolute: timedelta) -> IssuedSession:
    """Add a fresh session inside the caller's transaction; the token exists only here."""
    token = new_token()
    row = SessionRow(id=str(uuid.uuid4()), token_hash=hash_token(token), account_id=account_id,
                     created_at=now, last_seen_at=now, auth_time=now, expires_at=now + absolute,
                     amr=amr, ip=info.ip, user_agent=info.user_agent)
    Sessions(s).add(row)
    return IssuedSession(id=row.id, token=token, expires_at=row.expires_at)


def _token_hash(token: str | None) -> bytes:
    """What the lookups key on; NotAuthenticatedError for no token or an absurdly long one."""
    if not token or len(token) > 256:
        raise NotAuthenticatedError()
    return hash_token(token)


class SessionService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.idle = timedelta(minutes=rt.settings.session_idle_minutes)
        self.absolute = timedelta(hours=rt.settings.session_absolute_hours)
        #: The lookup on pooled connections; SQLite keeps one for the event loop (``peek_on_loop``).
        self.lookup = SessionLookup(rt.db.autocommit_engine)
        #: A network database is awaited on the event loop (``peek_async``), not in a thread.
        self.lookup_async = None if rt.db.reads_inline \
            else AsyncSessionLookup(rt.db.autocommit_engine)
        self.rule = enrollment_rule(rt.settings)

    def peek(self, token: str | None) -> SessionCheck:
        """Look the token up (one SELECT, no transaction) and say what, if anything, to write.

        Raises:
            NotAuthenticatedError: no such session.
        """
        return self._check(self.lookup(_token_hash(token)))

    async def peek_async(self, token: str | None) -> SessionCheck:
        """``peek`` with the lookup awaited on the event loop (PostgreSQL)."""
        if self.lookup_async is None:
            return self.peek(token)
        return self._check(await self.lookup_async(_token_hash(token)))

    def peek_on_loop(self, token: str | None) -> SessionCheck:
        """``peek`` from the event loop (SQLite): on the connection the lookup keeps for it."""
        return self._check(self.lookup.on_loop(_token_hash(token)))

    async def aclose(self) -> None:
        self.lookup.close()
        if self.lookup_async is not None:
            await self.lookup_async.aclose()

    def _check(self, view: SessionView | None) -> SessionCheck:
        if view is None:
            raise NotAuthenticatedError()
        now = self.rt.clock.now()
        idle_for = now - view.last_seen_at
        expired = now >= view.expires_at or idle_for >= self.idle
        note_account(view.account_id)
        return SessionCheck(view, expired, not expired and idle_for >= TOUCH_INTERVAL)

    def settle(self, check: SessionCheck) -> SessionView:
        """Apply what ``peek`` found: delete an expired session, or move last_seen_at.

        Raises:
            NotAuthenticatedError: the session expired.
        """
        if check.expired:
            with self.rt.db.write() as s:
                Sessions(s).delete(check.view.id)
                s.commit()
            raise NotAuthenticatedError(msg("Your session has expired. Sign in again."))
        if check.touch:
            with self.rt.db.write() as s:
                Sessions(s).touch(check.view.id, self.rt.clock.now())
                s.commit()
        return check.view

    def authenticate(self, token: str | None, *, enrolling: bool = False) -> SessionView:
        """The live session for a token, or NotAuthenticatedError.

        One SELECT on the hot path; a write only when the session expired or when
        last_seen_at is older than TOUCH_INTERVAL. Where two-factor authentication is
        required, a session of an account without a factor past its grace period is only
        good for ``enrolling`` (adding a factor, signing out): else EnrollmentRequiredError.
        """
        view = self.settle(self.peek(token))
        if not enrolling and self.must_enroll(view):
            raise EnrollmentRequiredError()
        return view

    def must_enroll(self, view: SessionView) -> bool:
        """Whether this session may only add a factor now (SECONDLOCK_REQUIRE_2FA)."""
        return self.rule.restricted(mfa_enabled=view.mfa_enabled,
                                    started_at=view.enrollment_started_at,
                                    now=self.rt.clock.now())

    def enroll_by(self, view: SessionView) -> datetime | None:
        """The deadline to add a factor while the grace period runs, else None."""
        return self.rule.in_grace(mfa_enabled=view.mfa_enabled,
                                  started_at=view.enrollment_started_at,
                                  now=self.rt.clock.now())

    def list(self, account_id: str) -> list[ActiveSession]:
        """The account's live sessions, the most recently active first."""
        now = self.rt.clock.now()
        with self.rt.db.read() as s:
            rows = Sessions(s).for_account(account_id)
        return [ActiveSession(id=r.id, created_at=r.created_at, last_seen_at=r.last_seen_at,
                              expires_at=r.expires_at, amr=r.amr, ip=r.ip,
                              user_agent=r.user_agent)
                for r in rows if r.expires_at > now and now - r.last_seen_at < self.idle]

    def revoke(self, account_id: str, session_id: str, info: RequestInfo) -> None:
        """End one of the account's own sessions; another account's id is simply not found."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            if not Sessions(s).delete(session_id, account_id=account_id):
                raise NotFoundError(msg("No such session."))
            Activity(s).add(event(at=now, name="session_revoked", info=info, success=True,
                                  account_id=account_id))
            s.commit()

    def revoke_others(self, view: SessionView, info: RequestInfo) -> int:
        """Sign out every other session and forget every remembered device ("sign out
        everywhere else"); returns how many sessions and devices ended."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            ended = Sessions(s).delete_others(view.account_id, keep_id=view.id)
            ended += forget_all_devices(s, view.account_id)
            if ended:
                Activity(s).add(event(at=now, name="sessions_revoked", info=info, success=True,
                                      account_id=view.account_id, detail=f"count={ended}"))
            s.commit()
        return ended

    def rotate(self, view: SessionView) -> str:
        """A new token for the same session after a privilege change (a fresh confirmation
        with a factor or the password, SES-3): a token someone planted or copied before
        stops working. Returns the new token.

        Raises:
            NotAuthenticatedError: the session ended meanwhile.
        """
        token = new_token()
        with self.rt.db.write() as s:
            if not Sessions(s).replace_token(view.id, hash_token(token)):
                raise NotAuthenticatedError(msg("Your session has expired. Sign in again."))
            s.commit()
        return token

    def prune_expired(self) -> int:
        """Delete sessions past their absolute or idle timeout; returns how many."""
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            ended = Sessions(s).delete_expired(now, now - self.idle)
            s.commit()
        return ended

    def logout(self, token: str | None, info: RequestInfo) -> None:
        if not token or len(token) > 256:
            return
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            sessions = Sessions(s)
            view = sessions.view_by_token_hash(hash_token(token))
            if view is None:
                return
            sessions.delete(view.id)
            Activity(s).add(event(at=now, name="logout", info=info, success=True,
                                  account_id=view.account_id))
            s.commit()
