"""The hot path: find a session by its token hash with one statement and no ORM.

A shop checks a session on every request, so this lookup skips what a general query
pays for: the SQL is compiled once for the dialect, it runs on a pooled DBAPI connection in
autocommit (one SELECT is consistent on its own, so no BEGIN/ROLLBACK round trips), and rows
become a ``SessionView`` directly.

The same statement reads what GET /me answers for an account with 2FA (issue #17): its
usable methods and how many recovery codes are left, as correlated subqueries on the
indexed ``account_id`` of the factor tables. They sit inside ``CASE WHEN`` the account has
2FA, so an account without it pays nothing for them, and they read the factor tables
themselves, so no copy can drift from them.

On PostgreSQL the same statement is awaited on the event loop (``session_lookup_pg``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, bindparam, case, distinct, exists, func, literal_column, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.elements import ColumnElement

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.core.methods import SECOND_FACTORS, Method
from secondlock.core.views import SessionView
from secondlock.storage.kept_connection import KeptConnection
from secondlock.storage.orm import Account, Authenticator, RecoveryCode, WebAuthnCredential
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.precompiled import as_utc

#: One bit per factor an authenticator row can be; a recovery code is counted apart.
_BITS: dict[str, int] = {m.value: 1 << i for i, m in enumerate(SECOND_FACTORS)
                         if m is not Method.RECOVERY_CODE}



def _inline(value: str | int) -> ColumnElement[Any]:
    """A constant written into the SQL: the compiled text is run with the token hash alone."""
    if isinstance(value, int):
        return literal_column(str(int(value)))
    if not value.replace("_", "").isalnum():
        raise ValueError("only plain method names are inlined")
    return literal_column(f"'{value}'")


_ZERO = _inline(0)
_HAS_2FA = Account.mfa_enabled_at.is_not(None)
_FACTOR_BITS = (
    select(func.coalesce(func.sum(distinct(case(
        *((Authenticator.type == _inline(name), _inline(bit)) for name, bit in _BITS.items()),
        else_=_ZERO))), _ZERO))
    .where(Authenticator.account_id == SessionRow.account_id,
           Authenticator.confirmed_at.is_not(None))
    .scalar_subquery())
# A security key counts only while one of the account's keys is not flagged as cloned.
_USABLE_KEY = exists().where(WebAuthnCredential.account_id == SessionRow.account_id,
                             WebAuthnCredential.flagged_at.is_(None))
_CODES_LEFT = (select(func.count(RecoveryCode.id))
               .where(RecoveryCode.account_id == SessionRow.account_id,
                      RecoveryCode.used_at.is_(None))
               .scalar_subquery())

#: Bits of the ``flags`` column (the flags share one column: each column of a row costs the
#: driver a Python object and, with sqlite3, a name and a GIL round trip; #17).
VERIFIED, MFA, CHANGE_PASSWORD, USABLE_KEY = 1, 2, 4, 8
#: The factor bits (``_BITS``) sit above these.
FACTOR_SHIFT = 4


def _flag(condition: ColumnElement[Any] | InstrumentedAttribute[bool], bit: int
          ) -> ColumnElement[Any]:
    return case((condition, _inline(bit)), else_=_ZERO)


_FLAGS = (_flag(Account.email_verified_at.is_not(None), VERIFIED)
          + _flag(_HAS_2FA, MFA)
          + _flag(Account.password_change_required, CHANGE_PASSWORD)
          + _flag(_HAS_2FA & _USABLE_KEY, USABLE_KEY)
          + case((_HAS_2FA, _FACTOR_BITS * _inline(1 << FACTOR_SHIFT)), else_=_ZERO))

STATEMENT = select(
    SessionRow.id, SessionRow.account_id, Account.email, SessionRow.created_at,
    SessionRow.last_seen_at, SessionRow.expires_at, SessionRow.auth_time, SessionRow.amr,
    Account.enrollment_started_at, _FLAGS, case((_HAS_2FA, _CODES_LEFT), else_=_ZERO),
).join(Account, Account.id == SessionRow.account_id).where(
    SessionRow.token_hash == bindparam("token_hash"))


def methods_of(bits: int, usable_key: bool, codes_left: int) -> tuple[str, ...]:
    """The methods, in SECOND_FACTORS order, as ``services.login.available_methods`` has them."""
    return _methods_of(bits, usable_key, codes_left > 0)


@functools.lru_cache(maxsize=128)  # a few dozen combinations; worked out on every GET /me
def _methods_of(bits: int, usable_key: bool, codes_left: bool) -> tuple[str, ...]:
    found = []
    for method in SECOND_FACTORS:
        if method is Method.RECOVERY_CODE:
            present = codes_left
        else:
            present = bool(bits & _BITS[method.value])
            if method is Method.WEBAUTHN:
                present = present and usable_key
        if present:
            found.append(method.value)
    return tuple(found)


class SessionLookup:
    """The lookup on the engine's pooled connections, from any thread; and, for the one
    thread that calls ``on_loop`` first (the event loop's, with SQLite), on a connection kept
    for it: checking a connection out of the pool and back in costs as much as the SELECT."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        compiled = STATEMENT.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._positional = bool(compiled.positional)
        dbapi = engine.dialect.loaded_dbapi
        self._lost: tuple[type[Exception], ...] = (dbapi.OperationalError, dbapi.InterfaceError,
                                                   DBAPIError)
        #: Whatever the driver raises: the kept connection is then let go, whatever the cause.
        self._broken: type[Exception] = dbapi.Error
        self._loop = KeptConnection(engine)

    @property
    def kept(self) -> PoolProxiedConnection | None:
        """The connection kept for the event loop's thread, if any."""
        return self._loop.current

    def on_loop(self, token_hash: bytes) -> SessionView | None:
        """``self(token_hash)``, on the kept connection when called by its owner thread."""
        connection = self._loop.for_this_thread()
        if connection is None:  # another thread (or loop): the pool, as any caller
            return self(token_hash)
        # A bytearray, not bytes: sqlite3 binds it as the same BLOB at once, where bytes goes
        # through its adapter protocol first (a failed __adapt__ lookup on every call).
        key = bytearray(token_hash)
        params: Any = (key,) if self._positional else {"token_hash": key}
        # On the DBAPI connection itself: the pool's proxy forwards every attribute through
        # a __getattr__ of its own. None only if the proxy was invalidated: as broken.
        raw = connection.dbapi_connection
        row: Any = None
        broken = raw is None
        if raw is not None:
            try:
                row = _fetch_row(raw, self._sql, params)
            except self._broken:
                broken = True
        if broken:
            self._loop.drop()
            return self(token_hash)  # once more, as ``_fetch`` does, on a pooled one
        return None if row is None else view_of(row)

    def close(self) -> None:
        """Close the kept connection (the app's shutdown); a later call keeps a new one."""
        self._loop.drop()

    def _fetch(self, params: Any) -> Any:
        """One row or None. A connection that turns out dead is dropped and the SELECT, which
        changes nothing, is tried once more on a fresh one; then DatabaseUnavailableError."""
        for attempt in (1, 2):
            try:
                return self._fetch_once(params)
            except self._lost as exc:  # the driver's own errors: raw_connection wraps none
                if attempt == 2:
                    raise DatabaseUnavailableError() from exc
        raise AssertionError("unreachable")

    def _fetch_once(self, params: Any) -> Any:
        connection = self._engine.raw_connection()
        try:
            return _fetch_row(connection, self._sql, params)
        except self._lost as exc:
            connection.invalidate(exc)
            raise
        finally:
            connection.close()

    def __call__(self, token_hash: bytes) -> SessionView | None:
        params: Any = (token_hash,) if self._positional else {"token_hash": token_hash}
        row = self._fetch(params)
        return None if row is None else view_of(row)


def _fetch_row(connection: Any, sql: str, params: Any) -> Any:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchone()
    finally:
        cursor.close()


def view_of(row: Sequence[Any]) -> SessionView:
    (session_id, account_id, email, created_at, last_seen_at, expires_at, auth_time, amr,
     enrollment_started_at, flags, codes_left) = row
    mfa = bool(flags & MFA)
    return SessionView(session_id, account_id, email, as_utc(created_at), as_utc(last_seen_at),
                       as_utc(expires_at), as_utc(auth_time), amr, bool(flags & VERIFIED), mfa,
                       bool(flags & CHANGE_PASSWORD),
                       as_utc(enrollment_started_at) if enrollment_started_at else None,
                       methods_of(flags >> FACTOR_SHIFT, bool(flags & USABLE_KEY), int(codes_left))
                       if mfa else (), int(codes_left))
