"""Apply Alembic migrations programmatically (``secondlock migrate``, ``serve`` on SQLite).

Alembic (and Mako under it, ~11 MB) is imported when a function here runs, not with this
module: the web app imports it through ``composition`` but never migrates (issue #17).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from secondlock.storage.db import private_sqlite_file

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PG_CONNECT_TIMEOUT_SECONDS = 5


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    return current_revision(engine) == head


@contextmanager
def migration_engine(url: str) -> Iterator[Engine]:
    """A plain engine for Alembic.

    Not ``Database.engine``: its SQLite connections start every transaction with BEGIN, which
    would make the migration environment's ``PRAGMA foreign_keys=OFF`` a no-op, and a batch
    table rebuild with foreign keys on cascades deletes into child tables.
    """
    parsed = make_url(url)
    connect_args: dict[str, object] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_file(parsed.database)
    elif parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_SECONDS
    engine = create_engine(url, connect_args=connect_args)
    try:
        yield engine
    finally:
        engine.dispose()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions between the database's and head, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(engine))
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return []
    revisions = script.iterate_revisions(head, current)
    return [rev.revision for rev in reversed(list(revisions))]
