"""Count the SQL statements the driver really sends, including the raw DBAPI fast path.

SQLAlchemy's ``before_cursor_execute`` misses statements run on raw DBAPI cursors (the
session lookup's), so this counts at the driver: sqlite3's trace callback, or a psycopg
cursor class, set on each connection as it leaves the pool; and on PostgreSQL the session
lookup's own asyncpg connections are opened afresh with a query logger.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from secondlock.services.sessions import SessionService
from secondlock.storage.db import Database


@contextmanager
def counting(db: Database, sessions: SessionService | None = None) -> Iterator[list[str]]:
    """Every statement sent while the block runs, in order (COMMIT/ROLLBACK left out).

    With ``sessions``, the session lookup's own connections are counted too: the one SQLite
    keeps for the event loop is let go, so the next lookup takes one from the pool (counted
    from then on), and let go again at the end.
    """
    seen: list[str] = []
    lookup = sessions.lookup_async if sessions is not None else None
    if sessions is not None:
        sessions.lookup.close()
    if lookup is not None:
        lookup.dispose()
        lookup.query_logger = lambda statement: seen.append(" ".join(statement.split()))

    def note(statement: str) -> None:
        if statement.strip().upper() not in ("COMMIT", "ROLLBACK"):
            seen.append(" ".join(statement.split()))

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if db.is_sqlite:
            dbapi_connection.set_trace_callback(note)
        else:
            dbapi_connection.cursor_factory = _psycopg_counting_cursor(note)

    def on_checkin(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is None:
            return
        if db.is_sqlite:
            dbapi_connection.set_trace_callback(None)
        else:
            import psycopg

            dbapi_connection.cursor_factory = psycopg.Cursor

    engines: list[Engine] = list({id(e): e for e in (
        db.engine, db._write_engine, db.autocommit_engine)}.values())
    hooks = (("checkout", on_checkout), ("checkin", on_checkin))
    for engine in engines:
        for name, hook in hooks:
            event.listen(engine, name, hook)
    try:
        yield seen
    finally:
        if sessions is not None:
            sessions.lookup.close()
        if lookup is not None:
            lookup.dispose()
            lookup.query_logger = None
        for engine in engines:
            for name, hook in hooks:
                event.remove(engine, name, hook)


def _psycopg_counting_cursor(note: Any) -> Any:
    import psycopg

    class CountingCursor(psycopg.Cursor[Any]):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            note(query if isinstance(query, str) else str(query))
            return super().execute(query, params, **kwargs)

        def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:
            note(query if isinstance(query, str) else str(query))
            super().executemany(query, params_seq, **kwargs)

    return CountingCursor
