"""PostgreSQL's session lookup: the statement of ``session_lookup``, awaited on the event loop.

Handing a blocking lookup to a worker thread cost more CPU than the query itself (about
0.2 ms a request, measured for issue #17), so a network database is waited for on the loop.
It runs on asyncpg rather than psycopg's async connections: for this one SELECT, asyncpg's
protocol (written in Cython, binary results) spent half the client CPU that psycopg's
asyncio layer did, measured in-process on the same database (about 100 against 200 us a
lookup). Everything else keeps SQLAlchemy's pooled psycopg engines.

The connections are this object's own, at most ``keep`` (as many as the pooled engine may
open; a request waits for a free one as long as it would wait for the pool), kept for reuse,
and tied to the event loop that opened them. asyncpg runs each statement outside any
transaction (one SELECT needs none) and prepares it once per connection. A kept connection
that fails (the server restarted) is replaced once, as the pooled lookup does; past that, or
when no connection can be made, DatabaseUnavailableError (503). One in use when the request is
cancelled is closed, as its answer may still be on the way.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from secondlock.core.errors import DatabaseUnavailableError
from secondlock.core.views import SessionView
from secondlock.storage.postgres import CONNECT_TIMEOUT_S, MAX_OVERFLOW, POOL_SIZE, POOL_TIMEOUT_S
from secondlock.storage.session_lookup import STATEMENT, view_of

if TYPE_CHECKING:  # imported when first used: an SQLite deployment never loads asyncpg
    import asyncpg

#: Connection parameters of the database URL that asyncpg reads from its DSN as libpq does.
_DSN_PARAMETERS = frozenset({
    "host", "port", "user", "password", "dbname", "database", "passfile", "service",
    "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslpassword", "sslnegotiation",
    "ssl_min_protocol_version", "ssl_max_protocol_version", "target_session_attrs",
    "krbsrvname", "gsslib"})
#: libpq's socket tuning, which asyncpg has no use for; dropped for this lookup only.
_TUNING = frozenset({"keepalives", "keepalives_idle", "keepalives_interval",
                     "keepalives_count", "tcp_user_timeout", "fallback_application_name"})


def asyncpg_connect_args(url: URL) -> dict[str, Any]:
    """``asyncpg.connect``'s arguments for a SQLAlchemy PostgreSQL URL (psycopg's, say).

    ``connect_timeout`` becomes asyncpg's ``timeout`` (``CONNECT_TIMEOUT_S`` when absent);
    ``application_name`` and the ``-c name=value`` settings of ``options`` are sent as server
    settings; ``prepare_threshold`` empty or ``none`` (psycopg's "never prepare", for a
    transaction-pooling PgBouncer) turns asyncpg's statement cache off. A parameter this
    lookup cannot carry raises ValueError at start, rather than a lookup that quietly
    connects differently from the rest of the app.
    """
    query = {key: value if isinstance(value, str) else value[-1]
             for key, value in url.query.items()}
    args: dict[str, Any] = {"timeout": float(query.pop("connect_timeout", CONNECT_TIMEOUT_S))}
    if query.pop("prepare_threshold", "2").strip().lower() in ("", "none"):
        args["statement_cache_size"] = 0
    settings: dict[str, str] = {}
    if "application_name" in query:
        settings["application_name"] = query.pop("application_name")
    if "options" in query:
        settings.update(_server_options(query.pop("options")))
    for key in _TUNING:
        query.pop(key, None)
    unknown = sorted(set(query) - _DSN_PARAMETERS)
    if unknown:
        raise ValueError("the database URL has connection parameters the session lookup "
                         f"cannot pass on: {', '.join(unknown)}")
    args["dsn"] = url.set(drivername="postgresql", query=query).render_as_string(
        hide_password=False)
    if settings:
        args["server_settings"] = settings
    return args


def _server_options(options: str) -> dict[str, str]:
    """libpq's ``options`` (``-c name=value`` or ``--name=value``, repeated) as settings."""
    words = shlex.split(options)
    settings: dict[str, str] = {}
    while words:
        word = words.pop(0)
        if word == "-c" and words:
            pair = words.pop(0)
        elif word.startswith(("-c", "--")):
            pair = word[2:]
        else:
            raise ValueError(f"unsupported word in the database URL's options: {word!r}")
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise ValueError(f"expected name=value in the database URL's options: {pair!r}")
        settings[name.replace("-", "_")] = value
    return settings


class AsyncSessionLookup:
    """The session lookup on asyncpg connections of its own (see the module's text)."""

    def __init__(self, engine: Engine, *, keep: int = POOL_SIZE + MAX_OVERFLOW) -> None:
        #: asyncpg.connect's arguments, from the engine's URL.
        self.connect_args = asyncpg_connect_args(engine.url)
        #: Called with each statement's SQL on connections opened from now on (tests count).
        self.query_logger: Callable[[str], None] | None = None
        # Imported here: an SQLite deployment loads neither asyncpg nor PostgreSQL's dialect.
        from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect

        self._sql = str(STATEMENT.compile(dialect=asyncpg_dialect()))  # type: ignore[no-untyped-call]
        self._failed = _driver_errors()
        self._keep = keep
        self._idle: list[asyncpg.Connection] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots = asyncio.Semaphore(keep)
        # When this object goes, close the kept connections first.
        weakref.finalize(self, _close_all_now, self._idle)

    async def __call__(self, token_hash: bytes) -> SessionView | None:
        """The session, or None; DatabaseUnavailableError when the database cannot answer."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests): the old one's sockets are no use
            self.dispose()
            self._loop, self._slots = loop, asyncio.Semaphore(self._keep)
        if self._slots.locked():  # ``keep`` in use: wait as long as for the pool, no longer
            try:
                async with asyncio.timeout(POOL_TIMEOUT_S):
                    await self._slots.acquire()
            except TimeoutError:
                raise DatabaseUnavailableError() from None
        else:
            await self._slots.acquire()
        try:
            return await self._lookup(token_hash)
        finally:
            self._slots.release()

    async def _lookup(self, token_hash: bytes) -> SessionView | None:
        failed = self._failed
        for attempt in (1, 2):
            reused = bool(self._idle)
            try:
                connection = self._idle.pop() if reused else await self._connect()
            except failed as exc:
                raise DatabaseUnavailableError() from exc
            try:
                row = await connection.fetchrow(self._sql, token_hash)
            except failed as exc:
                # A kept connection the server ended (a restart): once more on a new one.
                _close_now(connection)
                if attempt == 2 or not reused:
                    raise DatabaseUnavailableError() from exc
                continue
            except BaseException:
                _close_now(connection)  # cancelled mid-query: its answer may still come
                raise
            self._idle.append(connection)
            return None if row is None else view_of(row)
        raise AssertionError("unreachable")

    async def _connect(self) -> asyncpg.Connection:
        import asyncpg

        connection = await asyncpg.connect(**self.connect_args)
        note = self.query_logger
        if note is not None:
            connection.add_query_logger(lambda logged: note(logged.query))
        return connection

    async def aclose(self) -> None:
        idle = self._idle[:]
        self._idle.clear()
        for connection in idle:
            await connection.close()

    def dispose(self) -> None:
        """Close the kept connections at once, without a loop (their loop may be gone)."""
        _close_all_now(self._idle)


def _driver_errors() -> tuple[type[BaseException], ...]:
    """What a lookup that could not reach the database raises: the server's errors, the
    driver's, and the socket's (refused, reset, timed out)."""
    import asyncpg

    return (asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError,
            OSError, TimeoutError)


def _close_all_now(connections: list[asyncpg.Connection]) -> None:
    idle = connections[:]
    connections.clear()
    for connection in idle:
        _close_now(connection)


def _close_now(connection: asyncpg.Connection) -> None:
    # RuntimeError: its event loop is closed; the socket goes with the transport.
    with contextlib.suppress(RuntimeError):
        connection.terminate()
