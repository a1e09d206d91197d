"""INSERT ... ON CONFLICT, in the dialect of the database in use.

PostgreSQL's dialect module is imported only when PostgreSQL is in use: a SQLite worker
has no use for it, and it took about 2 MiB of every worker's memory (#17).
"""

from __future__ import annotations

from typing import Any


def insert_for(dialect: str) -> Any:
    """SQLAlchemy's ``insert`` with ``on_conflict_do_*`` for ``dialect`` (its name)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
