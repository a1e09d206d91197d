"""``secondlock staff ...`` against a real database: roles, API keys, and the audit kept by
``secondlock prune``."""

from __future__ import annotations

from datetime import timedelta

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import CLI_REQUEST
from secondlock.services import Services
from secondlock.services.staff import StaffActor
from tests.cli.conftest import Invoke, services_for
from tests.conftest import PASSWORD


def with_accounts(invoke: Invoke, env: dict[str, str], *emails: str) -> None:
    assert invoke("migrate", env=env).exit_code == 0
    with services_for(env) as services:
        for email in emails:
            services.accounts.sign_up(email, PASSWORD, CLI_REQUEST, send_welcome=False)


def test_add_list_and_remove_staff(invoke: Invoke, cli_env: dict[str, str]) -> None:
    with_accounts(invoke, cli_env, "ada@example.com")
    assert invoke("staff", "add", "nobody@example.com", "--role", "support",
                  env=cli_env).exit_code == 1
    assert invoke("staff", "add", "ada@example.com", "--role", "root",
                  env=cli_env).exit_code == 2
    added = invoke("staff", "add", "ADA@example.com", "--role", "support", env=cli_env)
    assert added.exit_code == 0, added.output
    assert "has no security key or passkey yet" in added.stdout
    listed = invoke("staff", "list", env=cli_env)
    assert "ada@example.com  support" in listed.stdout
    assert invoke("staff", "add", "ada@example.com", "--role", "admin",
                  env=cli_env).exit_code == 0
    assert "ada@example.com  admin" in invoke("staff", "list", env=cli_env).stdout
    assert invoke("staff", "remove", "ada@example.com", env=cli_env).exit_code == 0
    assert "ada@example.com" not in invoke("staff", "list", env=cli_env).stdout
    assert invoke("staff", "remove", "ada@example.com", env=cli_env).exit_code == 1


def test_api_key_prints_its_id_then_the_key_alone_on_the_last_line(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    with_accounts(invoke, cli_env, "ada@example.com")
    assert invoke("staff", "api-key", "ada@example.com", "--name", "desk",
                  env=cli_env).exit_code == 1  # not staff yet
    invoke("staff", "add", "ada@example.com", "--role", "support", env=cli_env)
    made = invoke("staff", "api-key", "ada@example.com", "--name", "helpdesk", env=cli_env)
    assert made.exit_code == 0, made.output
    lines = made.stdout.strip().splitlines()
    assert lines[0].startswith("id: ")
    key_id, key = lines[0].removeprefix("id: "), lines[-1]
    assert key.startswith("slk_")
    assert " " not in key
    with services_for(cli_env) as services:
        assert services.staff.by_key(key, "192.0.2.1").email == "ada@example.com"
    listed = invoke("staff", "list", env=cli_env).stdout
    assert f"key {key_id}  helpdesk  ada@example.com  active" in listed
    assert key not in listed
    assert invoke("staff", "revoke-key", key_id, env=cli_env).exit_code == 0
    assert "revoked" in invoke("staff", "list", env=cli_env).stdout
    assert invoke("staff", "revoke-key", key_id, env=cli_env).exit_code == 1


def audit_something(services: Services) -> None:
    staff = StaffActor(account_id="x", email="ada@example.com", role="support", via="api")
    services.staff_desk.search(staff, "bob", CLI_REQUEST)


def test_prune_keeps_the_audit_for_its_own_retention(invoke: Invoke,
                                                     cli_env: dict[str, str]) -> None:
    with_accounts(invoke, cli_env, "ada@example.com")
    with services_for(cli_env) as services:
        audit_something(services)
    pruned = invoke("prune", "--days", "1", env=cli_env)
    assert pruned.exit_code == 0, pruned.output
    assert "Deleted 0 staff audit entries older than 2555 days." in pruned.stdout
    with services_for(cli_env) as services:
        admin = StaffActor(account_id="y", email="root@example.com", role="admin", via="api")
        assert [e.action for e in services.staff_desk.audit(admin, CLI_REQUEST)] == ["search"]
        # Past the retention, prune takes it.
        services.rt.clock = FixedClock(services.rt.clock.now() + timedelta(days=2556))
        assert services.staff_desk.prune_audit() == 2  # the search and the audit read

