"""The ``secondlock`` command line, driven in-process with typer's CliRunner.

Each test gets its own data folder through environment variables passed to the runner;
``uvicorn.run`` is replaced so that ``serve`` never starts a server here (test_serve.py does).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from secondlock import __version__
from secondlock.core.errors import InvalidCredentialsError
from secondlock.core.request_info import CLI_REQUEST
from secondlock.storage.migrate import is_current
from secondlock.web.asgi import APP_FACTORY
from tests.cli.conftest import Invoke, ServeRuns, record_serve_runs, services_for
from tests.conftest import PASSWORD, PG_ENV, postgres_url


@pytest.fixture(autouse=True)
def uvicorn_calls(monkeypatch: pytest.MonkeyPatch) -> ServeRuns:
    """Records what ``serve`` would run instead of binding a port."""
    return record_serve_runs(monkeypatch)


def test_version_prints_the_package_version(invoke: Invoke) -> None:
    result = invoke("--version", env={})
    assert result.exit_code == 0
    assert result.stdout.strip() == f"secondlock {__version__}"


def test_help_lists_the_commands(invoke: Invoke) -> None:
    result = invoke("--help", env={})
    assert result.exit_code == 0
    for command in ("serve", "migrate", "create-account"):
        assert command in result.stdout


def test_migrate_creates_the_schema_in_a_fresh_data_dir(invoke: Invoke,
                                                        sqlite_env: dict[str, str]) -> None:
    db_file = Path(sqlite_env["SECONDLOCK_DATA_DIR"]) / "secondlock.db"
    assert not db_file.exists()

    result = invoke("migrate", env=sqlite_env)

    assert result.exit_code == 0, result.output
    assert re.search(r"applied \d+ migrations? \(0001", result.stdout), result.stdout
    assert str(db_file) in result.stdout
    engine = create_engine(f"sqlite:///{db_file}")
    try:
        assert is_current(engine)
        assert {"accounts", "sessions"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrate_again_says_there_is_nothing_to_do(invoke: Invoke,
                                                   sqlite_env: dict[str, str]) -> None:
    assert invoke("migrate", env=sqlite_env).exit_code == 0
    result = invoke("migrate", env=sqlite_env)
    assert result.exit_code == 0
    assert "nothing to do" in result.stdout


def test_create_account_from_stdin_can_then_log_in(invoke: Invoke, cli_env: dict[str, str]) -> None:
    result = invoke("create-account", "Ada@Example.com", "--password-stdin", env=cli_env,
                    input=PASSWORD + "\n")

    assert result.exit_code == 0, result.output
    account_id = result.stdout.strip()
    assert str(uuid.UUID(account_id)) == account_id  # stdout is the id alone, for scripts
    assert "ada@example.com" in result.stderr
    with services_for(cli_env) as services:
        login = services.login.login("ada@example.com", PASSWORD, CLI_REQUEST)
        assert login.account_id == account_id
        assert login.status == "authenticated"
        assert login.session is not None
        assert services.sessions.authenticate(login.session.token).email == "ada@example.com"


def test_create_account_keeps_spaces_in_a_password_from_stdin(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    password = "  " + PASSWORD + "  "
    result = invoke("create-account", "ada@example.com", "--password-stdin", env=cli_env,
                    input=password + "\r\n")
    assert result.exit_code == 0, result.output
    with services_for(cli_env) as services:
        assert services.login.login("ada@example.com", password, CLI_REQUEST)
        with pytest.raises(InvalidCredentialsError):
            services.login.login("ada@example.com", PASSWORD, CLI_REQUEST)


def test_create_account_prompts_twice_without_echo(invoke: Invoke,
                                                   cli_env: dict[str, str]) -> None:
    result = invoke("create-account", "ada@example.com", env=cli_env,
                    input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert "Repeat the password" in result.output
    assert PASSWORD not in result.output
    with services_for(cli_env) as services:
        assert services.login.login("ada@example.com", PASSWORD, CLI_REQUEST)


def test_create_account_asks_again_when_the_two_entries_differ(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    result = invoke("create-account", "ada@example.com", env=cli_env,
                    input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output


@pytest.mark.parametrize(("password", "reason"), [
    ("password1", "too_short"),
    ("1QAZ2wsx3edc4rfv", "blocklisted"),
])
def test_weak_password_exits_1_with_the_reason(invoke: Invoke, cli_env: dict[str, str],
                                               password: str, reason: str) -> None:
    result = invoke("create-account", "ada@example.com", "--password-stdin", env=cli_env,
                    input=password + "\n")

    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert reason in lines[0]
    assert lines[0].startswith("Error: ")
    with services_for(cli_env) as services, pytest.raises(InvalidCredentialsError):
        services.login.login("ada@example.com", password, CLI_REQUEST)


def test_taken_email_exits_1(invoke: Invoke, cli_env: dict[str, str]) -> None:
    args = ("create-account", "ada@example.com", "--password-stdin")
    assert invoke(*args, env=cli_env, input=PASSWORD + "\n").exit_code == 0
    result = invoke(*args, env=cli_env, input=PASSWORD + "\n")
    assert result.exit_code == 1
    assert "email_taken" in result.stderr


def test_invalid_email_exits_1_before_asking_for_a_password(invoke: Invoke,
                                                            cli_env: dict[str, str]) -> None:
    result = invoke("create-account", "not-an-email", env=cli_env, input="")
    assert result.exit_code == 1
    assert "valid email address" in result.stderr
    assert "Password" not in result.output


def test_empty_stdin_is_a_usage_error(invoke: Invoke, cli_env: dict[str, str]) -> None:
    result = invoke("create-account", "ada@example.com", "--password-stdin", env=cli_env,
                    input="")
    assert result.exit_code == 2
    assert "--password-stdin" in result.stderr


@pytest.mark.parametrize("command", [
    ["migrate"],
    ["serve"],
    ["create-account", "ada@example.com", "--password-stdin"],
])
@pytest.mark.parametrize(("settings", "named"), [
    ({"SECONDLOCK_ORIGIN": "ftp://x"}, "SECONDLOCK_ORIGIN"),
    ({"SECONDLOCK_ENV": "production"}, "SECONDLOCK_SECRET_KEY"),
    ({"SECONDLOCK_PORT": "9000"}, "SECONDLOCK_PORT"),
])
def test_bad_setting_exits_2_with_one_line_naming_it(
        invoke: Invoke, sqlite_env: dict[str, str], command: list[str],
        settings: dict[str, str], named: str,
        uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    result = invoke(*command, env={**sqlite_env, **settings}, input=PASSWORD + "\n")

    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]
    assert "Traceback" not in result.output
    assert uvicorn_calls == []


def test_serve_migrates_sqlite_and_runs_the_app_factory_behind_no_proxy(
        invoke: Invoke, sqlite_env: dict[str, str],
        uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    env = {**sqlite_env, "SECONDLOCK_ORIGIN": "http://localhost:9123"}

    result = invoke("serve", "--port", "9123", "--workers", "3", env=env)

    assert result.exit_code == 0, result.output
    [(args, kwargs)] = uvicorn_calls
    assert args == (APP_FACTORY,)
    assert kwargs["factory"] is True
    assert kwargs["workers"] == 3
    assert (kwargs["host"], kwargs["port"]) == ("127.0.0.1", 9123)
    assert kwargs["proxy_headers"] is False
    engine = create_engine(f"sqlite:///{Path(env['SECONDLOCK_DATA_DIR']) / 'secondlock.db'}")
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    banner = result.stdout
    assert "http://127.0.0.1:9123" in banner
    assert "http://localhost:9123" in banner
    assert "http://localhost:9123/dev/outbox" in banner
    assert "Note:" not in banner


def test_serve_banner_warns_when_the_origin_port_differs(
        invoke: Invoke, sqlite_env: dict[str, str]) -> None:
    result = invoke("serve", "--port", "9124", env=sqlite_env)
    assert result.exit_code == 0, result.output
    assert "SECONDLOCK_ORIGIN=http://localhost:9124" in result.stdout


def test_serve_banner_names_the_smtp_server_but_not_its_password(
        invoke: Invoke, sqlite_env: dict[str, str]) -> None:
    env = {**sqlite_env,
           "SECONDLOCK_SMTP_URL": "smtp://shop:hunter2-secret@mail.example.com:587?starttls=1"}
    result = invoke("serve", env=env)
    assert result.exit_code == 0, result.output
    assert "smtp://mail.example.com:587" in result.stdout
    assert "hunter2" not in result.output
    assert "/dev/outbox" not in result.stdout


@pytest.fixture
def unmigrated_postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is an empty schema of the test database."""
    url = postgres_url()
    if url is None:
        pytest.skip(f"no PostgreSQL reachable (set {PG_ENV})")
    schema = f"cli_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield make_url(url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_serve_refuses_a_postgres_schema_that_is_not_current_until_migrated(
        invoke: Invoke, sqlite_env: dict[str, str], unmigrated_postgres_url: str,
        uvicorn_calls: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> None:
    env = {**sqlite_env, "SECONDLOCK_DATABASE_URL": unmigrated_postgres_url}

    refused = invoke("serve", env=env)
    assert refused.exit_code == 1
    assert "run `secondlock migrate`" in refused.stderr
    assert uvicorn_calls == []

    migrated = invoke("migrate", env=env)
    assert migrated.exit_code == 0, migrated.output
    assert re.search(r"applied \d+ migrations? \(0001", migrated.stdout)

    served = invoke("serve", env=env)
    assert served.exit_code == 0, served.output
    assert len(uvicorn_calls) == 1
    assert "schema current" in served.stdout


def test_unreachable_database_is_one_line_without_the_password(
        invoke: Invoke, sqlite_env: dict[str, str]) -> None:
    # Port 9 (discard) on localhost: nothing listens, the connection is refused at once.
    url = "postgresql+psycopg://shop:hunter2-secret@127.0.0.1:9/nowhere"
    result = invoke("migrate", env={**sqlite_env, "SECONDLOCK_DATABASE_URL": url})
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "127.0.0.1:9/nowhere" in result.stderr
    assert "hunter2" not in result.output


@pytest.mark.parametrize("command", [[], ["serve"], ["create-account"], ["prune"], ["admin"],
                                     ["admin", "show"], ["oidc"], ["oidc", "add-client"]])
def test_help_reads_as_sentences_without_type_tags(invoke: Invoke, command: list[str]) -> None:
    result = invoke(*command, "--help", env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|float|path)\b", result.stdout), result.stdout


def test_a_command_summary_is_not_broken_mid_sentence(invoke: Invoke) -> None:
    result = invoke("--help", env={"COLUMNS": "250"})
    assert ("Delete activity older than the retention period, expired sessions, and every "
            "expired code, link, challenge and remembered device.") in result.stdout

