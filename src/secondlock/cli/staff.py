"""``secondlock staff ...``: give accounts a staff role and helpdesk integrations API keys.

Imported by ``secondlock.cli``; the commands call services, never SQL. An API key is printed
once, alone on the last line of ``staff api-key``; only its hash is kept.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from secondlock.cli.app import PlainHelpGroup, app, cli_services, console, fail, settings_or_exit
from secondlock.cli.database import prepare_schema
from secondlock.core.errors import SecondLockError
from secondlock.core.staff import Role

staff_app = typer.Typer(cls=PlainHelpGroup, rich_markup_mode="markdown", no_args_is_help=True,
                        help="Staff: roles for the support desk and API keys for the admin API.")
Email = Annotated[str, typer.Argument(help="The staff member's account email.")]


@staff_app.command("add")
def add(email: Email,
        role: Annotated[Role, typer.Option("--role", help="support or admin.")]) -> None:
    """Give an existing account a staff role (or change its role), vouching for its
    security keys and passkeys: keys added later open the console only after this is run
    again."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        try:
            has_key = services.staff.add(email, role.value)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"{escape(email)} is now staff ({role.value}).")
    if not has_key:
        console.print(f"Note: {escape(email)} has no security key or passkey yet, so the "
                      "console stays closed to them (their API keys work). Once they have added "
                      "one, run this command again to vouch for it.")


@staff_app.command("remove")
def remove(email: Email) -> None:
    """Take the staff role away; the member's API keys stop working."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        try:
            services.staff.remove(email)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"{escape(email)} is no longer staff; their API keys are revoked.")


@staff_app.command("list")
def list_staff() -> None:
    """Staff members and their API keys (never the keys themselves)."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        listing = services.staff.listing()
    if not listing.members:
        console.print("No staff yet: secondlock staff add EMAIL --role support")
    for member in listing.members:
        console.print(f"{escape(member.email)}  {member.role}  since "
                      f"{member.since:%Y-%m-%d}")
    for key in listing.keys:
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"last used {key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at \
            else "never used"
        console.print(f"key {key.id}  {escape(key.name)}  {escape(key.email)}  {state}, "
                      f"{used}")


@staff_app.command("api-key")
def api_key(email: Email,
            name: Annotated[str, typer.Option("--name", help="What uses the key, e.g. "
                                                             "\"helpdesk\".")]) -> None:
    """Make an API key that acts as this staff member. Shown once: store it now."""
    if not name.strip():
        fail("--name must not be empty", 2)
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        try:
            made = services.staff.create_key(email, name)
        except SecondLockError as exc:
            fail(exc.detail)
    typer.echo(f"id: {made.id}")
    typer.echo(made.key)


@staff_app.command("revoke-key")
def revoke_key(key_id: Annotated[str, typer.Argument(help="The key's id (staff list).")]) -> None:
    """Revoke an API key: it stops working at once."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        try:
            services.staff.revoke_key(key_id)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"API key {escape(key_id)} revoked.")


app.add_typer(staff_app, name="staff")
