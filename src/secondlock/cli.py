"""The ``secondlock`` command: ``serve``, ``migrate``, ``create-account``, and ``admin ...``.

Commands stay thin: they build Settings once, call the services (never SQL) and turn every
expected failure into one clear line on stderr and an exit code:

    0  done
    1  the action failed (a service refused it, the database is unreachable or not migrated)
    2  a setting or an argument is wrong

Operator commands go on ``admin_app`` (``secondlock admin ...``); they get their services
from ``cli_services(settings)`` and report refusals with ``fail(...)``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, NoReturn
from urllib.parse import urlsplit

import typer
import uvicorn
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from secondlock import __version__
from secondlock.config import Settings, SettingsError, load_settings
from secondlock.core.emails import normalise_email
from secondlock.core.errors import SecondLockError, WeakPasswordError
from secondlock.core.request_info import CLI_REQUEST
from secondlock.notifications.dispatch import BlockingNotifier
from secondlock.services import Services
from secondlock.storage.migrate import alembic_config, upgrade
from secondlock.web.app import build_mailer, build_runtime, create_app
from secondlock.web.asgi import APP_FACTORY, log_config

EXIT_FAILED = 1
EXIT_USAGE = 2
OUTBOX_PATH = "/dev/outbox"
PG_CONNECT_TIMEOUT_SECONDS = 5

app = typer.Typer(
    name="secondlock",
    help="SecondLock: self-hosted two-factor account security.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback must never print local variables: they may hold a password.
    pretty_exceptions_show_locals=False,
)
admin_app = typer.Typer(
    help="Operator commands: look up an account, reset a lost second factor, lift locks.",
    no_args_is_help=True,
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


# Shared helpers (also for the admin commands) ---------------------------------------------

def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """Print one line on stderr and stop with ``code``."""
    err_console.print(f"[bold red]Error:[/] {escape(message)}")
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    """Settings from the environment; a wrong setting ends the command with exit code 2."""
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc), EXIT_USAGE)


def display_url(url: str) -> str:
    """A database URL that is safe to print: the password is masked."""
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn a driver error into one line naming the (masked) database URL."""
    try:
        yield
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        fail(f"database {display_url(url)}: {reason[0] if reason else type(exc).__name__}")


@contextmanager
def cli_services(settings: Settings) -> Iterator[Services]:
    """Services wired like the app's, but mail is delivered before the command returns."""
    mailer = build_mailer(settings)
    runtime = build_runtime(settings, notifier=BlockingNotifier(mailer))
    try:
        with database_errors(settings.resolved_database_url):
            yield Services.build(runtime)
    finally:
        runtime.db.dispose()
        asyncio.run(mailer.close())


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


# Commands --------------------------------------------------------------------------------

def _show_version(value: bool) -> None:
    if value:
        console.print(f"secondlock {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True,
        help="Show the version and exit.")] = False,
) -> None:
    """SecondLock: password sign-in plus a second factor for a web shop's customers.

    Settings come from SECONDLOCK_* environment variables or SECONDLOCK_CONFIG_FILE.
    """


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes (they share the database).")] = 1,
) -> None:
    """Start the web service (migrates the embedded SQLite database first)."""
    settings = settings_or_exit()
    schema = prepare_schema(settings)
    _metrics_dir(settings)
    # Build the app once here, so a broken setup stops now with one traceback instead of
    # uvicorn respawning crashing workers in a loop.
    create_app(settings)
    if settings.log_format == "json":
        import logging.config

        from secondlock.web.logs import json_log_config

        logging.config.dictConfig(json_log_config())
        logging.getLogger("secondlock.serve").info(
            "starting", extra={"version": __version__, "env": settings.env,
                               "listen": _listen_url(host, port), "workers": workers,
                               "origin": settings.origin, "schema": schema,
                               "database": display_url(settings.resolved_database_url)})
    else:
        _print_banner(settings, host=host, port=port, workers=workers, schema=schema)
    _stop_with_exit_code_0_on_sigterm()
    # One code path for any number of workers: each process builds its app from the
    # environment. SecondLock reads X-Forwarded-For itself (SECONDLOCK_TRUSTED_PROXIES), so
    # uvicorn must not rewrite the client address.
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, workers=workers,
                proxy_headers=False, server_header=False, lifespan="on",
                log_config=log_config(settings.log_format), timeout_graceful_shutdown=10)


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


@app.command("create-account")
def create_account(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input.",
    )] = False,
) -> None:
    """Create an account (its email is not confirmed yet: a link is mailed)."""
    settings = settings_or_exit()
    try:
        normalise_email(email)
    except SecondLockError as exc:
        fail(exc.detail)
    password = _read_password(password_stdin)
    prepare_schema(settings)
    with cli_services(settings) as services:
        try:
            created = services.accounts.sign_up(email, password, CLI_REQUEST)
        except WeakPasswordError as exc:
            fail(f"{exc.detail} (weak_password: {exc.reason})")
        except SecondLockError as exc:
            fail(f"{exc.detail} ({exc.code})")
    err_console.print(f"Created account {escape(created.email)}; its id:")
    # The id alone on stdout, for scripts: ID=$(secondlock create-account ...)
    print(created.id)


def main() -> None:
    """Console-script entry point (``secondlock = "secondlock.cli:main"``)."""
    app(prog_name="secondlock")


# Internals -------------------------------------------------------------------------------

def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not password:
            fail("--password-stdin: standard input has no password on its first line",
                 EXIT_USAGE)
        return password
    prompted: str = typer.prompt("Password", hide_input=True,
                                 confirmation_prompt="Repeat the password")
    return prompted


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
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
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


def _stop_with_exit_code_0_on_sigterm() -> None:
    """SIGTERM is the normal way to stop the service; after a graceful shutdown exit with 0.

    uvicorn drains requests and runs the app's shutdown on SIGTERM, then raises the signal
    again so that the previous handler runs: this one, instead of dying by the signal (143).
    """
    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)


def _metrics_dir(settings: Settings) -> None:
    """Workers share their counters through prometheus-client's multiprocess files (#13);
    it reads the variable when first imported, so set it before any app is built."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = settings.data_dir / "metrics"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"SECONDLOCK_DATA_DIR: cannot create {folder} for metrics ({exc.strerror})")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def _listen_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _print_banner(settings: Settings, *, host: str, port: int, workers: int,
                  schema: str) -> None:
    origin = settings.origin
    processes = "1 worker" if workers == 1 else f"{workers} workers"
    lines = [
        f"[bold]SecondLock {__version__}[/] ({settings.env})",
        f"  Listening on   {_listen_url(host, port)}  ({processes})",
        f"  Public origin  {origin}  (links in mail, WebAuthn, OpenID Connect)",
        f"  Database       {escape(display_url(settings.resolved_database_url))}  ({schema})",
        f"  Data folder    {escape(str(settings.data_dir.resolve()))}",
    ]
    if settings.smtp_url is None:
        outbox = f"{origin}{OUTBOX_PATH}"
        lines.append(f"  Outbox         no SMTP configured: mail is printed on this console "
                     f"and kept at {outbox}")
        if workers > 1:
            lines.append("                 (each worker keeps its own page; the console shows all)")
    else:
        smtp = urlsplit(settings.smtp_url.get_secret_value())
        server = f"{smtp.scheme}://{smtp.hostname}" + (f":{smtp.port}" if smtp.port else "")
        lines.append(f"  Mail           {escape(server)}")
    parts = urlsplit(origin)
    origin_port = parts.port or (443 if parts.scheme == "https" else 80)
    if settings.origin_host in ("localhost", "127.0.0.1", "::1") and origin_port != port:
        lines.append(f"  [yellow]Note:[/] the public origin uses port {origin_port}, not {port}; "
                     f"set SECONDLOCK_ORIGIN=http://localhost:{port} unless a proxy forwards it.")
    lines.append("Stop with Ctrl+C.")
    for line in lines:
        console.print(line)


# The operator commands live in their own module; importing it registers them.
from secondlock import cli_admin, cli_maintenance  # noqa: E402,F401

# Registered last, so that it shows in --help only once it has commands.
app.add_typer(admin_app, name="admin", hidden=not admin_app.registered_commands)

# OpenID Connect commands (issue #7): `secondlock oidc ...`, registered by importing them.
# The outbox and webhooks (issue #13): `secondlock outbox`, `secondlock webhooks ...`.
from secondlock import (  # noqa: E402
    cli_oidc,  # noqa: F401
    cli_outbox,  # noqa: F401
)
