"""Staff roles and API keys: grant, list, revoke, and who a request acts as.

A key acts as one staff member. It is shown once and stored only as a keyed hash (HMAC with
the app secret, like the lookup keys of session-like tokens). Bad keys count against the
client's IP, and each key has a per-minute request budget (the throttling service).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from secondlock.core.emails import normalise_email
from secondlock.core.errors import (
    ForbiddenError,
    NotAuthenticatedError,
    NotFoundError,
    RateLimitedError,
)
from secondlock.core.i18n import msg
from secondlock.core.staff import (
    API_KEY_PREFIX,
    STAFF_IDLE_MINUTES,
    Role,
    phishing_resistant,
)
from secondlock.core.throttle import BackoffPolicy
from secondlock.core.tokens import keyed_digest, new_token
from secondlock.core.views import SessionView
from secondlock.services.runtime import Runtime
from secondlock.services.throttling import ip_key, record_failure, seconds_locked
from secondlock.storage.orm_staff import StaffApiKey
from secondlock.storage.repositories import Accounts, Throttles
from secondlock.storage.repositories.staff import ApiKeys, StaffMembers

BAD_KEY_SCOPE = "staff_key"
#: Wrong keys from one IP group: 10 free, then a doubling wait up to 15 minutes.
BAD_KEY_POLICY = BackoffPolicy(free_failures=10, base_delay=2, max_delay=900,
                               window=timedelta(hours=1))
#: Requests per key and minute.
KEY_REQUESTS_PER_MINUTE = 120


@dataclass(frozen=True)
class StaffActor:
    """The staff member a request acts as."""

    account_id: str
    email: str
    role: str
    #: "api" (an API key) or "console" (a signed-in session).
    via: str


@dataclass(frozen=True)
class StaffMemberInfo:
    email: str
    role: str
    since: datetime


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    email: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True)
class StaffListing:
    members: list[StaffMemberInfo]
    keys: list[ApiKeyInfo]


@dataclass(frozen=True)
class NewApiKey:
    id: str
    key: str


class StaffService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def _account_id(self, email: str) -> str:
        with self.rt.db.read() as s:
            account = Accounts(s).by_email(normalise_email(email))
        if account is None:
            raise NotFoundError(msg("No account with the email %(email)s.", email=email))
        return account.id

    def add(self, email: str, role: str) -> bool:
        """Give an existing account a role (or change its role), vouching for the security
        keys and passkeys it has now.

        Returns whether it has one: without, the console stays closed to the member (a key
        added later, perhaps by someone who only knows the password, is not vouched for)
        until the role is granted again; API keys work either way.
        """
        account_id = self._account_id(email)
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            members = StaffMembers(s)
            members.put(account_id, Role(role).value, now)
            vouched = members.keys_registered_by(account_id, now) > 0
            s.commit()
        return vouched

    def remove(self, email: str) -> None:
        """Take the role away; the member's API keys are revoked with it."""
        account_id = self._account_id(email)
        with self.rt.db.write() as s:
            if not StaffMembers(s).remove(account_id):
                raise NotFoundError(msg("%(email)s is not staff.", email=email))
            ApiKeys(s).revoke_all(account_id, self.rt.clock.now())
            s.commit()

    def listing(self) -> StaffListing:
        with self.rt.db.read() as s:
            members = StaffMembers(s).all()
            emails = {m.account_id: email for m, email in members}
            keys = ApiKeys(s).all()
        return StaffListing(
            members=[StaffMemberInfo(email, m.role, m.created_at) for m, email in members],
            keys=[ApiKeyInfo(k.id, emails.get(k.account_id, "?"), k.name, k.created_at,
                             k.last_used_at, k.revoked_at) for k in keys])

    def create_key(self, email: str, name: str) -> NewApiKey:
        """A new key for a staff member; the key itself exists only in the return value."""
        account_id = self._account_id(email)
        name = name.strip()[:64]
        if not name:
            raise ValueError("a key needs a name")
        key = API_KEY_PREFIX + new_token()
        with self.rt.db.write() as s:
            if StaffMembers(s).role_of(account_id) is None:
                raise NotFoundError(msg("%(email)s is not staff.", email=email))
            row = StaffApiKey(id=str(uuid.uuid4()), account_id=account_id, name=name,
                              key_hash=self._hash(key), created_at=self.rt.clock.now())
            ApiKeys(s).add(row)
            s.commit()
        return NewApiKey(id=row.id, key=key)

    def revoke_key(self, key_id: str) -> None:
        with self.rt.db.write() as s:
            if not ApiKeys(s).revoke(key_id, self.rt.clock.now()):
                raise NotFoundError(msg("No such API key."))
            s.commit()

    def _hash(self, key: str) -> bytes:
        return bytes.fromhex(keyed_digest(self.rt.secret_key, "staff_api_key", key))

    def by_key(self, key: str | None, ip: str) -> StaffActor:
        """The staff member an API key acts as.

        Raises:
            NotAuthenticatedError: no key, an unknown or revoked one, or its owner is no
                longer staff (a shopper's session token is never a key).
            RateLimitedError: too many bad keys from this IP, or this key's budget is spent.
        """
        now = self.rt.clock.now()
        with self.rt.db.write() as s:
            wait = seconds_locked(s, [ip_key(BAD_KEY_SCOPE, ip)], now)
            if wait:
                raise RateLimitedError(wait)
            row = ApiKeys(s).by_hash(self._hash(key)) \
                if key and key.startswith(API_KEY_PREFIX) and len(key) <= 256 else None
            role = StaffMembers(s).role_of(row.account_id) if row is not None else None
            account = Accounts(s).get(row.account_id) if row is not None else None
            if row is None or row.revoked_at is not None or role is None or account is None:
                record_failure(s, ip_key(BAD_KEY_SCOPE, ip), BAD_KEY_POLICY, now)
                s.commit()
                raise NotAuthenticatedError(msg("Give a valid staff API key."))
            minute = now.replace(second=0, microsecond=0)
            used = Throttles(s).record_failure(f"staff_key:{row.id}", now, minute)
            ApiKeys(s).touch(row.id, now)
            s.commit()
        if used > KEY_REQUESTS_PER_MINUTE:
            raise RateLimitedError(max(1, 60 - now.second))
        return StaffActor(account_id=account.id, email=account.email, role=role, via="api")

    def by_session(self, view: SessionView) -> StaffActor:
        """The staff member behind a console session: signed in with a security key or
        passkey, active within the last 15 minutes, on an account that had a key when its
        role was last granted.

        Raises:
            ForbiddenError: not staff, the session lacks a phishing-resistant factor, or no
                key of the account was there when the role was granted.
            NotAuthenticatedError: the session idled out (staff: 15 minutes).
        """
        now = self.rt.clock.now()
        if now - view.last_seen_at >= timedelta(minutes=STAFF_IDLE_MINUTES):
            raise NotAuthenticatedError(msg("Your session has expired. Sign in again."))
        with self.rt.db.read() as s:
            members = StaffMembers(s)
            grant = members.grant(view.account_id)
            if grant is None:
                raise ForbiddenError()
            role, granted_at = grant
            vouched = members.keys_registered_by(view.account_id, granted_at) > 0
        if not phishing_resistant(view.amr):
            raise ForbiddenError(msg("Staff sign in with a security key or a passkey. Add one "
                                     "to your account, then sign in with it."))
        if not vouched:
            # Whoever knows a keyless member's password could register a key of their own.
            raise ForbiddenError(msg("Your security key was added after you became staff. "
                                     "An admin must confirm it by granting your role again."))
        return StaffActor(account_id=view.account_id, email=view.email, role=role,
                          via="console")
