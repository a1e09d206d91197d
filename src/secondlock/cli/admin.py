"""Operator commands: ``secondlock admin show|reset-2fa|sign-out|unlock`` and
``secondlock rotate-key``.

Imported by ``secondlock.cli`` (which owns the Typer apps and the shared helpers); every
command calls services, never SQL, and never prints a secret.
"""

from __future__ import annotations

import getpass
import os
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from secondlock.cli.app import admin_app, app, cli_services, console, fail, settings_or_exit
from secondlock.config import ENCRYPTION_KEYS_FILE, write_private
from secondlock.core.crypto import derive_key, key_text, new_key_text, parse_keyring
from secondlock.core.errors import SecondLockError
from secondlock.core.request_info import CLI_REQUEST
from secondlock.services.enrollment import report_without_2fa
from secondlock.services.key_rotation import reencrypt_all

ENCRYPTION_KEYS_ENV = "SECONDLOCK_ENCRYPTION_KEYS"
Email = Annotated[str, typer.Argument(help="The account's email address.")]


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@admin_app.command("show")
def show(email: Email) -> None:
    """Factors, counts, locks and the last activity of an account. Never secrets."""
    settings = settings_or_exit()
    with cli_services(settings) as services:
        try:
            report = services.admin.show(email)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"[bold]{escape(report.email)}[/]  id {report.id}")
    console.print(f"  created        {report.created_at:%Y-%m-%d %H:%M} UTC, email "
                  f"{'confirmed' if report.email_verified else 'not confirmed'}")
    state = (f"on since {report.mfa_enabled_at:%Y-%m-%d %H:%M} UTC"
             if report.mfa_enabled_at else "off")
    console.print(f"  two-factor     {state}")
    console.print(f"  recovery codes {report.recovery_codes_remaining} left")
    console.print(f"  sessions       {report.active_sessions}")
    lock = (f", locked until {report.second_step_locked_until:%Y-%m-%d %H:%M} UTC"
            if report.second_step_locked_until else "")
    console.print(f"  wrong codes    {report.second_step_failures} in a row{lock}")
    if report.countries:
        console.print(f"  countries      {', '.join(report.countries)} (signed in from)")
    if report.factors:
        factors = Table("type", "name", "added", "last used", "state", box=None)
        for f in report.factors:
            factors.add_row(f.type, escape(f.name), f"{f.created_at:%Y-%m-%d}",
                            f"{f.last_used_at:%Y-%m-%d %H:%M}" if f.last_used_at else "never",
                            "confirmed" if f.confirmed else "pending")
        console.print(factors)
    if report.recovery is not None:
        from secondlock.cli.recovery import describe

        console.print(f"  recovery       {describe(report.recovery)}")
    if report.recent_activity:
        activity = Table("when (UTC)", "event", "outcome", "IP", "place", box=None)
        for at, name, success, reason, ip, place in report.recent_activity:
            activity.add_row(f"{at:%Y-%m-%d %H:%M:%S}", name,
                             "ok" if success else f"failed ({reason or '?'})", ip,
                             escape(place))
        console.print(activity)


@admin_app.command("report")
def report(
    without_2fa: Annotated[bool, typer.Option(
        "--without-2fa", help="Accounts that still have no second factor.")] = False,
    list_accounts: Annotated[bool, typer.Option(
        "--list", help="List those accounts (email, created, enroll-by); counts only without.")
    ] = False,
) -> None:
    """Reports for operators. ``--without-2fa``: who still has no second factor."""
    if not without_2fa:
        fail("Choose a report: --without-2fa")
    settings = settings_or_exit()
    with cli_services(settings) as services:
        found = report_without_2fa(services.rt, list_accounts=list_accounts)
    console.print(f"with a second factor     {found.with_factor}")
    console.print(f"without a second factor  {found.without_factor}")
    if found.required:
        console.print(f"  past the grace period  {found.restricted} (may only enroll)")
    if list_accounts and found.accounts:
        table = Table("email", "created", "enroll by", "state", box=None)
        for account in found.accounts:
            table.add_row(escape(account.email), f"{account.created_at:%Y-%m-%d}",
                          f"{account.enroll_by:%Y-%m-%d %H:%M} UTC" if account.enroll_by
                          else "-", "restricted" if account.restricted else "")
        console.print(table)


@admin_app.command("reset-2fa")
def reset_2fa(
    email: Email,
    reason: Annotated[str, typer.Option(help="Why, and how the person's identity was checked.")],
) -> None:
    """Remove every second factor and recovery code and sign the account out everywhere.

    Only after you have checked the person's identity. The owner is mailed; who and why
    are recorded.
    """
    if not reason.strip():
        fail("--reason must say why and how the identity was checked", 2)
    settings = settings_or_exit()
    with cli_services(settings) as services:
        try:
            services.admin.reset_2fa(email, reason=reason, operator=_operator(),
                                     info=CLI_REQUEST)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"Two-factor authentication of {escape(email)} was reset; the owner was "
                  "mailed and every session ended.")


@admin_app.command("sign-out")
def sign_out(
    email: Email,
    reason: Annotated[str, typer.Option(help="Why (for the record), e.g. the ticket number.")],
    require_new_password: Annotated[bool, typer.Option(
        "--require-new-password", help="Ask for a new password at the next sign-in.")] = False,
) -> None:
    """Sign an account out of every device and forget its remembered devices.

    For a reported account takeover. The owner is mailed; who and why are recorded.
    """
    if not reason.strip():
        fail("--reason must say why", 2)
    settings = settings_or_exit()
    with cli_services(settings) as services:
        try:
            ended = services.admin.sign_out(email, reason=reason, operator=_operator(),
                                            info=CLI_REQUEST,
                                            require_new_password=require_new_password)
        except SecondLockError as exc:
            fail(exc.detail)
    then = " and must choose a new password at the next sign-in" if require_new_password \
        else ""
    console.print(f"{escape(email)} is signed out everywhere ({ended} sessions and remembered "
                  f"devices ended){then}; the owner was mailed.")


@admin_app.command("unlock")
def unlock(email: Email) -> None:
    """Lift the sign-in locks (password and second step) of an account."""
    settings = settings_or_exit()
    with cli_services(settings) as services:
        try:
            services.admin.unlock(email, operator=_operator(), info=CLI_REQUEST)
        except SecondLockError as exc:
            fail(exc.detail)
    console.print(f"Sign-in locks of {escape(email)} lifted.")


@app.command("rotate-key")
def rotate_key(
    print_new_key: Annotated[bool, typer.Option(
        "--print-new-key", help="Only print a fresh key for SECONDLOCK_ENCRYPTION_KEYS.")] = False,
    drop_old: Annotated[bool, typer.Option(
        "--drop-old", help="After re-encrypting, keep only the newest key (embedded setup).")
    ] = False,
) -> None:
    """Rotate the data-encryption key and re-encrypt every secret at rest with it.

    Embedded setup: writes a new key into <data dir>/encryption.keys (mode 0600), keeps the
    old ones for reading, re-encrypts. With SECONDLOCK_ENCRYPTION_KEYS set, put a new key
    first on every node (--print-new-key prints one), then run this to re-encrypt.
    """
    if print_new_key:
        console.print(new_key_text())
        return
    settings = settings_or_exit()
    keys_file = settings.data_dir / ENCRYPTION_KEYS_FILE
    managed = ENCRYPTION_KEYS_ENV in os.environ
    if not managed:
        old = (parse_keyring(settings.encryption_keys.get_secret_value())
               if settings.encryption_keys else [derive_key(settings.secret_key_bytes)])
        write_private(keys_file, ",".join([new_key_text(), *map(key_text, old)]))
        settings = settings_or_exit()
    with cli_services(settings) as services:
        count = reencrypt_all(services.rt)
    console.print(f"Re-encrypted {count} secret(s) with key {services.rt.keyring.active_id}.")
    if managed:
        console.print("Keys come from SECONDLOCK_ENCRYPTION_KEYS: once every node has the new "
                      "key first, you may remove the older keys.")
    elif drop_old and settings.encryption_keys is not None:
        newest = settings.encryption_keys.get_secret_value().split(",")[0].strip()
        write_private(keys_file, newest)
        console.print("Older keys removed from encryption.keys.")
