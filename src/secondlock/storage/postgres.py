"""PostgreSQL engines: no pre-ping round trip, dead connections noticed for free, fail fast.

``pool_pre_ping`` sent a ``SELECT 1`` (psycopg: ``;``) before every transaction: one extra
round trip per request to find out whether a pooled connection still works (issue #17). A
server that restarts or drops its idle connections tells the client so: it sends an error
(57P01 "terminating connection due to administrator command") or closes the socket. Either
makes the idle socket readable, so at checkout a zero-timeout ``poll()`` on it, a system call
without any round trip, finds such a connection and the pool replaces it before it is used
("retry on a dropped connection"). A connection that dies silently is caught by SQLAlchemy on
first use: the request fails (503, ``database_unavailable``) and the whole pool is refreshed.
``pool_recycle`` retires connections before firewalls and poolers forget them.

Fail fast: a connect gives up after ``CONNECT_TIMEOUT_S`` and waiting for a free pooled
connection after ``POOL_TIMEOUT_S``, so while the database is away requests answer 503 at once
instead of hanging. Statements are reused: SQLAlchemy compiles each once, and psycopg
prepares a statement on the server once a connection has run it ``PREPARE_THRESHOLD`` times.
"""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

POOL_SIZE = 10
MAX_OVERFLOW = 20
POOL_RECYCLE_S = 1800
POOL_TIMEOUT_S = 5
CONNECT_TIMEOUT_S = 3
PREPARE_THRESHOLD = 2


def postgres_engine(url: str, *, echo: bool, autocommit: bool = False) -> Engine:
    """A pooled engine; ``autocommit`` for single statements that need no BEGIN."""
    connect_args: dict[str, Any] = {}
    parsed = make_url(url)
    if "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    if parsed.get_driver_name() == "psycopg" and "prepare_threshold" not in parsed.query:
        connect_args["prepare_threshold"] = PREPARE_THRESHOLD
    options: dict[str, Any] = {"isolation_level": "AUTOCOMMIT"} if autocommit else {}
    engine = create_engine(url, echo=echo, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW,
                           pool_recycle=POOL_RECYCLE_S, pool_timeout=POOL_TIMEOUT_S,
                           connect_args=connect_args, **options)
    event.listen(engine.pool, "checkout", _refuse_dropped)
    return engine


def _refuse_dropped(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Raise DisconnectionError (the pool then connects anew) for a connection the server
    closed or is closing; no round trip."""
    if getattr(dbapi_connection, "closed", False) or getattr(dbapi_connection, "broken", False):
        raise DisconnectionError("connection closed")
    if idle_socket_has_news(dbapi_connection.fileno()):
        raise DisconnectionError("the server spoke on an idle connection: closed or closing")


def idle_socket_has_news(fd: int) -> bool:
    """Whether an idle client socket is readable or hung up.

    Between transactions a PostgreSQL server sends nothing unless it is ending the session
    (an error then EOF) or reporting a changed setting; either way a fresh connection is safe.
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
