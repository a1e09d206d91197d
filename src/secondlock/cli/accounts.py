"""``secondlock create-account``: an account from the command line (a link is mailed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape

from secondlock.cli.app import EXIT_USAGE, app, cli_services, err_console, fail, settings_or_exit
from secondlock.cli.database import prepare_schema
from secondlock.core.emails import normalise_email
from secondlock.core.errors import SecondLockError, WeakPasswordError
from secondlock.core.request_info import CLI_REQUEST


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
