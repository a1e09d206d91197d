"""``secondlock admin ...`` and ``secondlock rotate-key`` against a real database."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import CLI_REQUEST
from secondlock.core.totp import code_at
from secondlock.services import Services
from tests.cli.conftest import Invoke, services_for
from tests.conftest import PASSWORD


def account_with_totp(services: Services) -> tuple[str, str]:
    services.accounts.sign_up("ada@example.com", PASSWORD, CLI_REQUEST, send_welcome=False)
    session = services.login.login("ada@example.com", PASSWORD, CLI_REQUEST).session
    assert session is not None
    view = services.sessions.authenticate(session.token)
    started = services.authenticator_app.enroll(view, "Pixel", CLI_REQUEST)
    services.authenticators.confirm(view, started.id,
                                    code_at(started.secret, services.rt.clock.now()), CLI_REQUEST)
    return started.secret, started.id


def migrated(invoke: Invoke, env: dict[str, str]) -> None:
    assert invoke("migrate", env=env).exit_code == 0


def test_admin_show_lists_factors_but_no_secret(invoke: Invoke,
                                                cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        secret, _ = account_with_totp(services)
    result = invoke("admin", "show", "ADA@example.com", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "ada@example.com" in result.stdout
    assert "two-factor     on" in result.stdout
    assert "Pixel" in result.stdout
    assert "10 left" in result.stdout
    assert secret not in result.output


def test_admin_show_unknown_account_fails_cleanly(invoke: Invoke,
                                                  cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    result = invoke("admin", "show", "nobody@example.com", env=cli_env)
    assert result.exit_code == 1
    assert "No account" in result.output


def test_admin_reset_2fa_needs_a_reason_then_turns_2fa_off(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        account_with_totp(services)
    assert invoke("admin", "reset-2fa", "ada@example.com", env=cli_env).exit_code == 2
    assert invoke("admin", "reset-2fa", "ada@example.com", "--reason", " ",
                  env=cli_env).exit_code == 2
    result = invoke("admin", "reset-2fa", "ada@example.com", "--reason",
                    "identity checked by video call, ticket 4711", env=cli_env)
    assert result.exit_code == 0, result.output
    with services_for(cli_env) as services:
        assert services.login.login("ada@example.com", PASSWORD,
                                    CLI_REQUEST).status == "authenticated"
        report = services.admin.show("ada@example.com")
    assert report.factors == []
    assert any(event == "admin_reset_2fa" for _, event, *_ in report.recent_activity)


def test_admin_sign_out_ends_every_session_and_can_ask_for_a_new_password(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        account_with_totp(services)
        other = services.accounts.sign_up("bob@example.com", PASSWORD, CLI_REQUEST,
                                          send_welcome=False)
        bob = services.login.login("bob@example.com", PASSWORD, CLI_REQUEST).session
        ada_sessions = len(services.sessions.list(services.admin.show("ada@example.com").id))
    assert ada_sessions == 1
    assert invoke("admin", "sign-out", "ada@example.com", env=cli_env).exit_code == 2
    result = invoke("admin", "sign-out", "ada@example.com", "--reason", "ticket 4712",
                    "--require-new-password", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "must choose a new password" in result.stdout
    with services_for(cli_env) as services:
        report = services.admin.show("ada@example.com")
        assert report.active_sessions == 0
        assert any(event == "admin_sign_out" for _, event, *_ in report.recent_activity)
        account = services.admin._account("ada@example.com")
        assert account.password_change_required
        assert bob is not None
        assert services.sessions.authenticate(bob.token).account_id == other.id  # untouched


def test_admin_unlock(invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        account_with_totp(services)
    result = invoke("admin", "unlock", "ada@example.com", env=cli_env)
    assert result.exit_code == 0
    assert "lifted" in result.stdout


def test_rotate_key_on_the_embedded_setup_keeps_codes_working(
        invoke: Invoke, sqlite_env: dict[str, str]) -> None:
    migrated(invoke, sqlite_env)
    with services_for(sqlite_env) as services:
        secret, _ = account_with_totp(services)
        old_key_id = services.rt.keyring.active_id
    result = invoke("rotate-key", env=sqlite_env)
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 secret" in result.stdout
    keys_file = Path(sqlite_env["SECONDLOCK_DATA_DIR"]) / "encryption.keys"
    assert stat.S_IMODE(keys_file.stat().st_mode) == 0o600
    assert len(keys_file.read_text().strip().split(",")) == 2
    assert invoke("rotate-key", "--drop-old", env=sqlite_env).exit_code == 0
    assert len(keys_file.read_text().strip().split(",")) == 1
    with services_for(sqlite_env) as services:
        assert services.rt.keyring.active_id != old_key_id
        assert old_key_id not in services.rt.keyring.key_ids
        mfa_token = services.login.login("ada@example.com", PASSWORD, CLI_REQUEST).mfa_token
        assert mfa_token is not None
        # One step later: the enrolment already used the current step's code.
        services.rt.clock = FixedClock(services.rt.clock.now() + timedelta(seconds=30))
        code = code_at(secret, services.rt.clock.now())
        assert services.second_step.verify(mfa_token, "totp", code,
                                           CLI_REQUEST).status == "authenticated"


def test_rotate_key_prints_a_key_for_managed_keyrings(invoke: Invoke,
                                                      sqlite_env: dict[str, str]) -> None:
    result = invoke("rotate-key", "--print-new-key", env=sqlite_env)
    assert result.exit_code == 0
    assert len(result.stdout.strip()) == 43



def test_report_without_2fa_counts_by_default_and_lists_on_request(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        account_with_totp(services)
        for email in ("bo@example.com", "cy@example.com"):
            services.accounts.sign_up(email, PASSWORD, CLI_REQUEST, send_welcome=False)
    counts = invoke("admin", "report", "--without-2fa", env=cli_env)
    assert counts.exit_code == 0, counts.output
    assert "with a second factor     1" in counts.stdout
    assert "without a second factor  2" in counts.stdout
    assert "bo@example.com" not in counts.stdout  # counts only, unless asked
    listed = invoke("admin", "report", "--without-2fa", "--list", env=cli_env)
    assert listed.exit_code == 0, listed.output
    assert "bo@example.com" in listed.stdout
    assert "cy@example.com" in listed.stdout
    assert "ada@example.com" not in listed.stdout
    strict = invoke("admin", "report", "--without-2fa",
                    env={**cli_env, "SECONDLOCK_REQUIRE_2FA": "all"})
    assert "past the grace period  2" in strict.stdout


def test_admin_show_names_the_place_of_each_address(invoke: Invoke,
                                                    cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        services.accounts.sign_up("eu@example.com", PASSWORD, CLI_REQUEST, send_welcome=False)
        services.login.login("eu@example.com", PASSWORD,
                             CLI_REQUEST.of("193.99.144.80", "Firefox"))
    shown = invoke("admin", "show", "eu@example.com", env=cli_env)
    assert shown.exit_code == 0, shown.output
    assert "Germany" in shown.stdout
    assert "countries      DE" in shown.stdout
