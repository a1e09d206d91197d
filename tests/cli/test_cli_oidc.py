"""``secondlock oidc``: clients are added (secret shown once, stored hashed), listed,
removed; signing keys rotate."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, text

from secondlock.config import load_settings
from tests.cli.conftest import Invoke

URI = "https://shop.example/callback"


def test_add_client_prints_id_and_secret_once_and_stores_only_a_hash(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    added = invoke("oidc", "add-client", "My Shop", "--redirect-uri", URI, env=cli_env)
    assert added.exit_code == 0, added.output
    client_id = re.search(r"client_id\s+(\S+)", added.output)
    secret = re.search(r"client_secret\s+(\S+)", added.output)
    assert client_id
    assert secret
    listed = invoke("oidc", "list-clients", env=cli_env)
    assert client_id.group(1) in listed.output
    assert secret.group(1) not in listed.output
    engine = create_engine(load_settings(cli_env).resolved_database_url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT secret_hash FROM oidc_clients")).scalar_one()
    engine.dispose()
    assert secret.group(1).encode() not in bytes(stored)


def test_public_client_has_no_secret(invoke: Invoke, cli_env: dict[str, str]) -> None:
    added = invoke("oidc", "add-client", "App", "--redirect-uri", URI, "--public",
                   "--first-party", env=cli_env)
    assert added.exit_code == 0, added.output
    assert "client_secret" not in added.output
    assert "public, first-party" in invoke("oidc", "list-clients", env=cli_env).output


def test_bad_redirect_uri_is_refused(invoke: Invoke, cli_env: dict[str, str]) -> None:
    added = invoke("oidc", "add-client", "Shop", "--redirect-uri", "http://shop.example/cb",
                   env=cli_env)
    assert added.exit_code == 1
    assert "https" in added.output


def test_remove_client(invoke: Invoke, cli_env: dict[str, str]) -> None:
    added = invoke("oidc", "add-client", "Shop", "--redirect-uri", URI, env=cli_env)
    found = re.search(r"client_id\s+(\S+)", added.output)
    assert found
    assert invoke("oidc", "remove-client", found.group(1), env=cli_env).exit_code == 0
    assert "No clients yet" in invoke("oidc", "list-clients", env=cli_env).output
    assert invoke("oidc", "remove-client", found.group(1), env=cli_env).exit_code == 1


def test_rotate_keys_names_the_new_key(invoke: Invoke, cli_env: dict[str, str]) -> None:
    first = invoke("oidc", "rotate-keys", env=cli_env)
    second = invoke("oidc", "rotate-keys", env=cli_env)
    assert first.exit_code == second.exit_code == 0
    assert "New signing key" in second.output
    assert first.output != second.output


def test_require_mfa_is_stored_at_registration_and_can_be_changed(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    added = invoke("oidc", "add-client", "Strict Shop", "--redirect-uri", URI,
                   "--require-mfa", env=cli_env)
    assert added.exit_code == 0, added.output
    found = re.search(r"client_id\s+(\S+)", added.output)
    assert found
    client_id = found.group(1)
    assert "requires 2FA" in invoke("oidc", "list-clients", env=cli_env).output
    relaxed = invoke("oidc", "update-client", client_id, "--no-require-mfa", env=cli_env)
    assert relaxed.exit_code == 0, relaxed.output
    assert "requires 2FA" not in invoke("oidc", "list-clients", env=cli_env).output
    assert invoke("oidc", "update-client", client_id, "--require-mfa",
                  env=cli_env).exit_code == 0
    assert "requires 2FA" in invoke("oidc", "list-clients", env=cli_env).output
    assert invoke("oidc", "update-client", "nosuchclient", "--require-mfa",
                  env=cli_env).exit_code != 0
