"""Alembic environment: the engine comes from the caller (see secondlock.storage.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from secondlock.storage.schema import metadata

config = context.config
engine: Engine = config.attributes["engine"]

with engine.connect() as connection:
    if connection.dialect.name == "sqlite":
        # Migrations run outside our BEGIN hook conventions; let Alembic manage them.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(connection=connection, target_metadata=metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
