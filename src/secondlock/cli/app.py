"""The ``secondlock`` Typer app and what every command group shares.

Commands stay thin: they build Settings once, call the services (never SQL) and turn every
expected failure into one clear line on stderr and an exit code:

    0  done
    1  the action failed (a service refused it, the database is unreachable or not migrated)
    2  a setting or an argument is wrong

Command modules register on ``app`` (or ``admin_app``: ``secondlock admin ...``), get their
services from ``cli_services(settings)`` and report refusals with ``fail(...)``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from typer import _click as click
from typer.core import TyperArgument, TyperGroup, TyperOption

from secondlock import __version__
from secondlock.composition import build_mailer, build_runtime
from secondlock.config import Settings, SettingsError, load_settings
from secondlock.services import Services
from secondlock.services.outbox_dispatcher import Dispatcher

EXIT_FAILED = 1
EXIT_USAGE = 2

class PlainHelpGroup(TyperGroup):
    """Help that reads as sentences: no type tags (``<bool>``, ``<str>``) next to the options,
    and a command's summary on one line (Markdown joins the docstring's wrapped lines)."""

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return [_plain(param) for param in super().get_params(ctx)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not isinstance(command, TyperGroup):
            for param in [*command.params, command.get_help_option(ctx)]:
                if param is not None:
                    _plain(param)
        return command


def _plain(param: click.Parameter) -> click.Parameter:
    """A flag shows no value at all; a value shows its name (``--port PORT``)."""
    if isinstance(param, TyperOption):
        param.metavar = "" if param.is_flag else (param.metavar or (param.name or "").upper())
    elif isinstance(param, TyperArgument):
        param.display_type_rich = _no_type  # type: ignore[method-assign]
    return param


def _no_type(ctx: click.Context) -> None:
    return None


app = typer.Typer(
    cls=PlainHelpGroup,
    name="secondlock",
    help="SecondLock: self-hosted two-factor account security.",
    no_args_is_help=True,
    add_completion=False,
    # A traceback must never print local variables: they may hold a password.
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
)
admin_app = typer.Typer(
    cls=PlainHelpGroup,
    rich_markup_mode="markdown",
    help="Operator commands: look up an account, reset a lost second factor, lift locks.",
    no_args_is_help=True,
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


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
def cli_services(settings: Settings, *, deliver: bool = True) -> Iterator[Services]:
    """Services wired like the app's; with ``deliver``, what is due in the outbox (what the
    command queued) is sent before it returns (a running server would send it too: the lease
    keeps it to once). The outbox commands themselves leave delivery to the servers."""
    mailer = build_mailer(settings)
    runtime = build_runtime(settings, mailer=mailer)
    try:
        with database_errors(settings.resolved_database_url):
            yield Services.build(runtime)
            if deliver:
                Dispatcher(runtime, mailer=mailer).deliver_now(timeout=30)
    finally:
        runtime.db.dispose()
        asyncio.run(mailer.close())


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


