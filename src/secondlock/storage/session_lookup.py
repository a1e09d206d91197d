"""The hot path: find a session by its token hash with one statement and no ORM.

A shop checks a session on every request, so this lookup skips what a general query
pays for: the SQL is compiled once for the dialect, it runs on a pooled DBAPI connection in
autocommit (one SELECT is consistent on its own, so no BEGIN/ROLLBACK round trips), and rows
become a ``SessionView`` directly.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam
from sqlalchemy.exc import DBAPIError

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.core.views import SessionView
from secondlock.storage.orm import Session as SessionRow
from secondlock.storage.repositories import SESSION_VIEW

_STATEMENT = SESSION_VIEW.where(SessionRow.token_hash == bindparam("token_hash"))


def _utc(value: datetime | str) -> datetime:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class SessionLookup:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        compiled = _STATEMENT.compile(dialect=engine.dialect)
        self._sql = str(compiled)
        self._positional = bool(compiled.positional)
        dbapi = engine.dialect.loaded_dbapi
        self._lost: tuple[type[Exception], ...] = (dbapi.OperationalError, dbapi.InterfaceError,
                                                   DBAPIError)

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
            cursor = connection.cursor()
            try:
                cursor.execute(self._sql, params)
                return cursor.fetchone()
            finally:
                cursor.close()
        except self._lost as exc:
            connection.invalidate(exc)
            raise
        finally:
            connection.close()

    def __call__(self, token_hash: bytes) -> SessionView | None:
        params: Any = (token_hash,) if self._positional else {"token_hash": token_hash}
        row = self._fetch(params)
        if row is None:
            return None
        (session_id, account_id, email, created_at, last_seen_at, expires_at, auth_time, amr,
         verified, mfa, change_password, enrollment_started_at) = row
        return SessionView(session_id, account_id, email, _utc(created_at), _utc(last_seen_at),
                           _utc(expires_at), _utc(auth_time), amr, bool(verified), bool(mfa),
                           bool(change_password),
                           _utc(enrollment_started_at) if enrollment_started_at else None)
