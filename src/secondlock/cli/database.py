"""``secondlock migrate``, and the schema check every command that opens the database runs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

from secondlock.cli.app import app, console, database_errors, display_url, fail, settings_or_exit
from secondlock.config import Settings
from secondlock.storage.db import private_sqlite_file
from secondlock.storage.migrate import alembic_config, upgrade

PG_CONNECT_TIMEOUT_SECONDS = 5


def prepare_schema(settings: Settings) -> str:
    """Make sure the schema is current before the app touches it; returns a note for humans.

    The embedded SQLite database is migrated automatically. Any other database belongs to an
    operator who runs ``secondlock migrate`` on purpose (one process, before a rollout).
    """
    url = settings.resolved_database_url
    with database_errors(url), _migration_engine(url) as engine:
        pending = _pending_revisions(engine)
        if not pending:
            return "schema current"
        if engine.dialect.name != "sqlite":
            fail(f"the schema of {display_url(url)} is not current ({len(pending)} migration(s) "
                 "pending): run `secondlock migrate` first")
        upgrade(engine)
    return f"applied {_describe(pending)}"



@app.command()
def migrate() -> None:
    """Apply database migrations (SQLite or PostgreSQL) and say what was done."""
    settings = settings_or_exit()
    url = settings.resolved_database_url
    with database_errors(url), _migration_engine(url) as engine:
        pending = _pending_revisions(engine)
        if pending:
            upgrade(engine)
        head = _current_revision(engine)
    if pending:
        console.print(f"Migrated {display_url(url)}: applied {_describe(pending)}; "
                      f"the schema is now at revision {head}.")
    else:
        console.print(f"{display_url(url)} is already at revision {head}; nothing to do.")


@contextmanager
def _migration_engine(url: str) -> Iterator[Engine]:
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


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _pending_revisions(engine: Engine) -> list[str]:
    """Revisions between the database's and head, oldest first."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    current = _current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return []
    revisions = script.iterate_revisions(head, current)
    return [rev.revision for rev in reversed(list(revisions))]


def _describe(revisions: list[str]) -> str:
    noun = "migration" if len(revisions) == 1 else "migrations"
    return f"{len(revisions)} {noun} ({', '.join(revisions)})"


