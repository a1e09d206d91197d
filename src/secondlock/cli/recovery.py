"""``secondlock admin recovery list|cancel|shorten``: what support can do about a recovery
of an account that lost every factor (docs/recovery.md). Every action is recorded with who,
why and the ticket; the owner's every channel is told."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from secondlock.cli.admin import Email, _operator
from secondlock.cli.app import admin_app, cli_services, console, fail, settings_or_exit
from secondlock.core.errors import SecondLockError
from secondlock.core.request_info import CLI_REQUEST
from secondlock.services.recovery import RecoveryView
from secondlock.services.recovery_admin import StaffRecord, shorten_by

recovery_app = typer.Typer(help="Recoveries of accounts that lost every factor.",
                           no_args_is_help=True)
admin_app.add_typer(recovery_app, name="recovery")

Reason = Annotated[str, typer.Option(help="Why, and how the person's identity was checked.")]
Ticket = Annotated[str, typer.Option(help="The support ticket this belongs to.")]
_DURATION = re.compile(r"^(\d+)([dhm])$")


def parse_duration(text: str) -> timedelta:
    """``48h``, ``2d`` or ``90m``."""
    match = _DURATION.match(text.strip())
    if match is None:
        raise typer.BadParameter("use a number and d, h or m, like 48h")
    unit = {"d": "days", "h": "hours", "m": "minutes"}[match.group(2)]
    return timedelta(**{unit: int(match.group(1))})


def parse_when(text: str) -> datetime:
    """An ISO time; without a zone it is UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise typer.BadParameter("use an ISO time like 2026-12-08T09:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def describe(view: RecoveryView) -> str:
    device = f"{view.device} ({'a known device' if view.known_device else 'a NEW device'})"
    ended = f" by {view.ended_by}" if view.ended_by else ""
    return (f"{view.status}{ended}, started {view.started_at:%Y-%m-%d %H:%M} UTC, "
            f"ends {view.ready_at:%Y-%m-%d %H:%M} UTC; asked from {view.ip}, {device}")


@recovery_app.command("list")
def list_pending() -> None:
    """Every pending recovery, the soonest to end first."""
    settings = settings_or_exit()
    with cli_services(settings) as services:
        pending = services.recovery_admin.pending()
    if not pending:
        console.print("No recovery is pending.")
        return
    table = Table("account", "ends (UTC)", "state", "asked from", "device", box=None)
    for view in pending:
        table.add_row(escape(view.email), f"{view.ready_at:%Y-%m-%d %H:%M}", view.status,
                      view.ip, f"{view.device} ({'known' if view.known_device else 'NEW'})")
    console.print(table)


@recovery_app.command("cancel")
def cancel(email: Email, reason: Reason = "", ticket: Ticket = "") -> None:
    """Stop the pending recovery of an account; the owner is told."""
    settings = settings_or_exit()
    record = StaffRecord(operator=_operator(), reason=reason, ticket=ticket)
    with cli_services(settings) as services:
        try:
            services.recovery_admin.cancel(email, record, CLI_REQUEST)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"The recovery of {escape(email)} is stopped; the owner was told.")


@recovery_app.command("shorten")
def shorten(
    email: Email,
    reason: Reason,
    ticket: Ticket,
    until: Annotated[str | None, typer.Option(help="The new end (ISO time, UTC).")] = None,
    by: Annotated[str | None, typer.Option(help="Shorten by this much, like 48h or 2d.")] \
        = None,
) -> None:
    """Let a pending recovery finish earlier, after checking the person's identity.

    Never later than before and never before now. Every email address and phone of the
    account is told, with a link that stops it.
    """
    if not reason.strip() or not ticket.strip():
        fail("--reason and --ticket must say why and where it is recorded", 2)
    if (until is None) == (by is None):
        fail("give exactly one of --until and --by", 2)
    settings = settings_or_exit()
    record = StaffRecord(operator=_operator(), reason=reason, ticket=ticket)
    with cli_services(settings) as services:
        try:
            account = services.admin.show(email)
            view = services.recovery_admin.of_account(account.id)
            if view is None or view.ready_at is None or view.status not in ("waiting",
                                                                             "ready"):
                fail("This account has no pending recovery.")
            new_end = shorten_by(parse_when(until) if until else None,
                                 parse_duration(by) if by else None, view.ready_at)
            ended = services.recovery_admin.shorten(email, new_end, record, CLI_REQUEST)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"The recovery of {escape(email)} now ends {ended:%Y-%m-%d %H:%M} UTC; "
                  "every channel of the account was told.")
