"""Apply Alembic migrations programmatically (``secondlock migrate``, ``serve`` on SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from secondlock.storage.db import private_sqlite_file

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
PG_CONNECT_TIMEOUT_SECONDS = 5


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def is_current(engine: Engine) -> bool:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision() == head


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
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions between the database's and head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return []
    revisions = script.iterate_revisions(head, current)
    return [rev.revision for rev in reversed(list(revisions))]
