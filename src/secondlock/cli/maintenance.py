"""Housekeeping: ``secondlock prune`` deletes what the retention rules say is no longer kept.

Run it daily from cron or a systemd timer on one node; it is safe to run on several at once
(each batch is its own short transaction).
"""

from __future__ import annotations

from typing import Annotated

import typer

from secondlock.cli.app import app, cli_services, console, settings_or_exit


@app.command("prune")
def prune(
    days: Annotated[int | None, typer.Option(
        "--days", min=1, max=3650,
        help="Keep this many days of activity (default: SECONDLOCK_ACTIVITY_RETENTION_DAYS, "
             "180).")] = None,
) -> None:
    """Delete activity older than the retention period, expired sessions, and every expired
    code, link, challenge and remembered device."""
    settings = settings_or_exit()
    keep = days if days is not None else settings.activity_retention_days
    with cli_services(settings) as services:
        events = services.activity.prune(retention_days=keep)
        sessions = services.sessions.prune_expired()
    console.print(f"Deleted {events} activity {'entry' if events == 1 else 'entries'} older "
                  f"than {keep} days and {sessions} expired "
                  f"{'session' if sessions == 1 else 'sessions'}.")
    # OpenID Connect (issue #7): expired codes and tokens.
    from secondlock.services.oidc import OidcServices

    with cli_services(settings) as services:
        oidc_rows = OidcServices.build(services.rt).tokens.prune()
    console.print(f"Deleted {oidc_rows} expired OpenID Connect codes and tokens.")
    from secondlock.services.maintenance import prune_leftovers

    with cli_services(settings) as services:
        leftovers = prune_leftovers(services.rt)
    console.print(f"Deleted {leftovers} expired sign-in challenges, links, remembered devices "
                  "and code records.")
    # Recoveries (#15): every server sends due reminders too; this catches a stopped one.
    from secondlock.services.recovery_admin import send_due_reminders

    with cli_services(settings) as services:
        reminded = send_due_reminders(services.rt)
    console.print(f"Sent {reminded} recovery {'reminder' if reminded == 1 else 'reminders'}.")
    # The outbox (#13): what went out (or was dropped) more than N days ago.
    from secondlock.services.outbox import prune_sent

    with cli_services(settings) as services:
        sent = prune_sent(services.rt)
    console.print(f"Deleted {sent} outbox {'message' if sent == 1 else 'messages'} sent more "
                  f"than {settings.outbox_retention_days} days ago.")
    with cli_services(settings) as services:
        audit = services.staff_desk.prune_audit()
    console.print(f"Deleted {audit} staff audit entries older than "
                  f"{settings.staff_audit_retention_days} days.")
