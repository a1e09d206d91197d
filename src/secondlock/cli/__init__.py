"""The ``secondlock`` command: one module per command group, all on the app of ``cli.app``.

``serve`` and ``migrate`` (serve, database), ``create-account`` (accounts), ``admin ...``
(admin), ``admin recovery ...`` (recovery), ``prune`` (maintenance), ``oidc ...`` (oidc),
``outbox`` and ``webhooks ...`` (outbox) and ``staff ...`` (staff). Importing a module
registers its commands; ``main`` imports them all.
"""

from __future__ import annotations

from secondlock.cli import (
    accounts,
    admin,
    database,
    maintenance,
    oidc,
    outbox,
    recovery,
    serve,
    staff,
)
from secondlock.cli.app import admin_app, app

# Registered last, so that it shows in --help only once it has commands.
app.add_typer(admin_app, name="admin", hidden=not admin_app.registered_commands)

COMMAND_MODULES = (accounts, admin, database, maintenance, oidc, outbox, recovery, serve, staff)


def main() -> None:
    """Console-script entry point (``secondlock = "secondlock.cli:main"``)."""
    app(prog_name="secondlock")


__all__ = ["COMMAND_MODULES", "app", "main"]
