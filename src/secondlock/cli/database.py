"""``secondlock migrate``, and the schema check every command that opens the database runs."""

from __future__ import annotations

from secondlock.cli.app import app, console, database_errors, display_url, fail, settings_or_exit
from secondlock.composition import current_revision, migration_engine, pending_revisions, upgrade
from secondlock.config import Settings


def prepare_schema(settings: Settings) -> str:
    """Make sure the schema is current before the app touches it; returns a note for humans.

    The embedded SQLite database is migrated automatically. Any other database belongs to an
    operator who runs ``secondlock migrate`` on purpose (one process, before a rollout).
    """
    url = settings.resolved_database_url
    with database_errors(url), migration_engine(url) as engine:
        pending = pending_revisions(engine)
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
    with database_errors(url), migration_engine(url) as engine:
        pending = pending_revisions(engine)
        if pending:
            upgrade(engine)
        head = current_revision(engine)
    if pending:
        console.print(f"Migrated {display_url(url)}: applied {_describe(pending)}; "
                      f"the schema is now at revision {head}.")
    else:
        console.print(f"{display_url(url)} is already at revision {head}; nothing to do.")


def _describe(revisions: list[str]) -> str:
    noun = "migration" if len(revisions) == 1 else "migrations"
    return f"{len(revisions)} {noun} ({', '.join(revisions)})"


