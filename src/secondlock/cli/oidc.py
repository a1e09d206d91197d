"""``secondlock oidc ...``: register shops (OIDC clients) and rotate ID-token signing keys.

Imported by ``secondlock.cli``; the commands call services, never SQL. A client secret is
printed once, at creation, and only its hash is kept.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from secondlock.cli.app import (
    PlainHelpGroup,
    app,
    cli_services,
    console,
    err_console,
    fail,
    settings_or_exit,
)
from secondlock.cli.database import prepare_schema
from secondlock.services.oidc import OidcServices

oidc_app = typer.Typer(cls=PlainHelpGroup, rich_markup_mode="markdown", no_args_is_help=True,
                       help="OpenID Connect: register shops and rotate signing keys.")


@oidc_app.command("add-client")
def add_client(
    name: Annotated[str, typer.Argument(help="The shop's name, shown on the consent page.")],
    redirect_uri: Annotated[list[str], typer.Option(
        "--redirect-uri", help="An exact redirect URI (repeat for several).")],
    post_logout_redirect_uri: Annotated[list[str] | None, typer.Option(
        "--post-logout-redirect-uri", help="Where RP-initiated logout may send the shopper "
                                           "(repeat for several).")] = None,
    public: Annotated[bool, typer.Option(
        "--public", help="A client that cannot keep a secret (single-page or mobile app): "
                         "no secret, PKCE only.")] = False,
    first_party: Annotated[bool, typer.Option(
        "--first-party", help="Your own shop: no consent screen.")] = False,
    require_mfa: Annotated[bool, typer.Option(
        "--require-mfa", help="This shop only ever gets a sign-in with a second factor; "
                              "accounts without one add one first.")] = False,
) -> None:
    """Register a shop. Prints its client id, and its secret once."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        oidc = OidcServices.build(services.rt)
        try:
            created = oidc.clients.add(name, redirect_uri, public=public,
                                       first_party=first_party,
                                       post_logout_redirect_uris=post_logout_redirect_uri,
                                       require_mfa=require_mfa)
        except ValueError as exc:
            fail(str(exc))
    console.print(f"client_id     {created.client_id}")
    if created.client_secret is not None:
        console.print(f"client_secret {created.client_secret}")
        err_console.print("Store the secret now: it is not shown again.")


@oidc_app.command("list-clients")
def list_clients() -> None:
    """The registered shops and their redirect URIs (never secrets)."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        rows = OidcServices.build(services.rt).clients.list()
    if not rows:
        console.print("No clients yet. Add one with `secondlock oidc add-client`.")
        return
    for row in rows:  # one line per client: readable, and easy to grep in scripts
        kind = "public" if row.public else "confidential"
        kind += ", first-party" if row.first_party else ""
        kind += ", requires 2FA" if row.require_mfa else ""
        uris = " ".join(row.redirect_uris.split())
        console.print(f"{row.id}  {escape(row.name)}  ({kind})  {escape(uris)}")


@oidc_app.command("update-client")
def update_client(
    client_id: Annotated[str, typer.Argument(help="The client id from add-client.")],
    require_mfa: Annotated[bool, typer.Option(
        "--require-mfa/--no-require-mfa",
        help="Whether this shop only ever gets a sign-in with a second factor.")],
) -> None:
    """Change a shop's settings."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        if not OidcServices.build(services.rt).clients.set_require_mfa(client_id, require_mfa):
            fail(f"No client {client_id}.")
    console.print(f"{client_id}: {'requires' if require_mfa else 'does not require'} 2FA")


@oidc_app.command("remove-client")
def remove_client(client_id: Annotated[str, typer.Argument(help="The client id.")]) -> None:
    """Remove a shop; its codes, tokens and consents go with it."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        removed = OidcServices.build(services.rt).clients.remove(client_id)
    if not removed:
        fail(f"no client with id {client_id}")
    console.print(f"Removed client {escape(client_id)}.")


@oidc_app.command("rotate-keys")
def rotate_keys() -> None:
    """Start signing ID tokens with a new key; the old one stays published until the tokens
    it signed have expired."""
    settings = settings_or_exit()
    prepare_schema(settings)
    with cli_services(settings) as services:
        kid = OidcServices.build(services.rt).signing_keys.rotate()
    console.print(f"New signing key {kid} is active.")


app.add_typer(oidc_app, name="oidc")
