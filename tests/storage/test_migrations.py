"""The migrations build exactly the schema the ORM models describe, and go back down cleanly.

Several features add tables at once; a migration that drifts from its model would only
show up in production, so the comparison runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from secondlock.storage.migrate import alembic_config, upgrade
from secondlock.storage.schema import metadata
from tests.conftest import PG_ENV


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all: a file on SQLite, a schema of its own on PostgreSQL."""
    base = os.environ.get(PG_ENV)
    if not base:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"sl_migrations_{os.getpid()}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield make_url(base).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


def test_migrations_form_one_line_of_history(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        script = ScriptDirectory.from_config(alembic_config(engine))
        assert len(script.get_heads()) == 1, script.get_heads()
        assert len(script.get_bases()) == 1
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_up_again(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    try:
        upgrade(engine)
        command.downgrade(alembic_config(engine), "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert "accounts" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
