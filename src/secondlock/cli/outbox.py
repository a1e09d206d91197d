"""``secondlock outbox`` (what waits to be sent, and retry) and ``secondlock webhooks``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape

from secondlock.cli.app import app, cli_services, console, fail, settings_or_exit
from secondlock.services.outbox import (
    failed_messages,
    outbox_status,
    retry_failed,
    retry_message,
)
from secondlock.services.webhooks import (
    add_endpoint,
    list_endpoints,
    parse_events,
    remove_endpoint,
)

outbox_app = typer.Typer(
    help="Mail, texts and webhook deliveries waiting to be sent (and the failed ones).",
    invoke_without_command=True,
)
webhooks_app = typer.Typer(
    help="Webhook endpoints of the shop (Standard Webhooks, signed).", no_args_is_help=True)


def _age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "-"
    seconds = max(int((now - since).total_seconds()), 0)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@outbox_app.callback()
def outbox(ctx: typer.Context) -> None:
    """Pending and failed messages per channel, the oldest pending one's age, the failed
    ones."""
    if ctx.invoked_subcommand is not None:
        return
    settings = settings_or_exit()
    with cli_services(settings, deliver=False) as services:
        stats = outbox_status(services.rt)
        failed = failed_messages(services.rt)
        now = services.rt.clock.now()
    console.print(f"{'channel':<9} {'pending':>8} {'failed':>7}  oldest pending")
    for entry in stats:
        console.print(f"{entry.channel:<9} {entry.pending:>8} {entry.failed:>7}  "
                      f"{_age(entry.oldest_pending_at, now)}")
    if failed:
        console.print("")
        console.print("Failed (secondlock outbox retry ID | --all-failed):")
        for row in failed:
            console.print(f"  {row.id}  {row.channel:<7} {escape(row.kind):<24} "
                          f"{row.attempts} attempts  {escape(row.last_error or '')}")


@outbox_app.command("retry")
def retry(
    message_id: Annotated[str | None, typer.Argument(help="The message's id.")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed",
                                             help="Every failed message.")] = False,
) -> None:
    """Send a failed message (or every failed one) again now."""
    if (message_id is None) == (not all_failed):
        fail("give a message id or --all-failed (not both)", 2)
    settings = settings_or_exit()
    with cli_services(settings, deliver=False) as services:
        if all_failed:
            count = retry_failed(services.rt)
            console.print(f"{count} failed {'message' if count == 1 else 'messages'} will be "
                          "sent again.")
            return
        assert message_id is not None
        if not retry_message(services.rt, message_id):
            fail(f"no failed or pending message {message_id}")
    console.print(f"{escape(message_id)} will be sent again.")


@webhooks_app.command("add")
def add(
    url: Annotated[str, typer.Argument(help="https://... (http:// only for localhost).")],
    events: Annotated[str | None, typer.Option(
        "--events", help="Event types, comma separated (default: every event).")] = None,
) -> None:
    """Add an endpoint; prints its id and its signing secret (shown only this once)."""
    try:
        wanted = parse_events(events)
    except ValueError as exc:
        fail(str(exc), 2)
    settings = settings_or_exit()
    with cli_services(settings, deliver=False) as services:
        try:
            added = add_endpoint(services.rt, url, wanted)
        except ValueError as exc:
            fail(str(exc), 2)
    print(f"id: {added.id}")
    print(f"secret: {added.secret}")


@webhooks_app.command("list")
def list_() -> None:
    """Every endpoint with its events and whether deliveries to it are failing."""
    settings = settings_or_exit()
    with cli_services(settings, deliver=False) as services:
        endpoints = list_endpoints(services.rt)
    if not endpoints:
        console.print("No webhook endpoints (secondlock webhooks add URL).")
        return
    now = datetime.now(UTC)
    for e in endpoints:
        status = e.status
        if e.failing_since is not None:
            status += f" since {_age(e.failing_since, now)} ago: {e.last_error or ''}"
        console.print(f"{e.id}  {escape(e.url)}")
        console.print(f"    events: {', '.join(e.events) or 'all'}; pending: {e.pending}; "
                      f"status: {escape(status)}")


@webhooks_app.command("remove")
def remove(endpoint_id: Annotated[str, typer.Argument(help="The endpoint's id.")]) -> None:
    """Remove an endpoint; events not yet delivered to it are dropped."""
    settings = settings_or_exit()
    with cli_services(settings, deliver=False) as services:
        if not remove_endpoint(services.rt, endpoint_id):
            fail(f"no webhook endpoint {endpoint_id}")
    console.print(f"Removed {escape(endpoint_id)}.")


app.add_typer(outbox_app, name="outbox")
app.add_typer(webhooks_app, name="webhooks")


