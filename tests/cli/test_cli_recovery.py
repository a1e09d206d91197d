"""``secondlock admin show`` and ``admin recovery list|cancel|shorten`` on a real database."""

from __future__ import annotations

import re

from sqlalchemy import select

from secondlock.core.request_info import CLI_REQUEST
from secondlock.notifications.outbox import OutboxMailer
from secondlock.services import Services
from secondlock.storage.orm import ActivityEvent
from tests.cli.conftest import Invoke, services_for
from tests.cli.test_cli_admin import account_with_totp, migrated
from tests.conftest import PASSWORD


def started(services: Services) -> str:
    account_with_totp(services)
    services.recovery.request("ada@example.com", CLI_REQUEST)
    outbox: OutboxMailer = services.rt.mailer  # type: ignore[assignment]
    link = next(s.message.text for s in outbox.latest() if s.message.kind == "recovery_link")
    match = re.search(r"token=([\w-]+)", link)
    assert match
    services.recovery.start(match.group(1), PASSWORD, CLI_REQUEST)
    return match.group(1)


def test_support_sees_a_pending_recovery_and_shortens_it_on_the_record(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        token = started(services)
    shown = invoke("admin", "show", "ada@example.com", env=cli_env)
    assert shown.exit_code == 0, shown.output
    assert "recovery       waiting" in shown.stdout
    assert "Command line (a known device)" in shown.stdout
    listed = invoke("admin", "recovery", "list", env=cli_env)
    assert "ada@example.com" in listed.stdout
    refused = invoke("admin", "recovery", "shorten", "ada@example.com", "--by", "80h",
                     "--reason", "", "--ticket", "T-1", env=cli_env)
    assert refused.exit_code == 2
    done = invoke("admin", "recovery", "shorten", "ada@example.com", "--by", "80h",
                  "--reason", "passport checked on video", "--ticket", "T-1", env=cli_env)
    assert done.exit_code == 0, done.output
    with services_for(cli_env) as services:
        assert services.recovery.look(token).status == "ready"
        with services.rt.db.read() as s:
            row = s.scalars(select(ActivityEvent).where(
                ActivityEvent.event == "recovery_shortened")).one()
        assert row.detail is not None
        assert "ticket=T-1" in row.detail
        assert "passport checked on video" in row.detail


def test_support_cancels_a_pending_recovery(invoke: Invoke, cli_env: dict[str, str]) -> None:
    migrated(invoke, cli_env)
    with services_for(cli_env) as services:
        token = started(services)
    result = invoke("admin", "recovery", "cancel", "ada@example.com", "--reason",
                    "owner called", "--ticket", "T-2", env=cli_env)
    assert result.exit_code == 0, result.output
    with services_for(cli_env) as services:
        assert services.recovery.look(token).status == "cancelled"
    again = invoke("admin", "recovery", "cancel", "ada@example.com", env=cli_env)
    assert again.exit_code == 1
    assert "cancelled by staff" in invoke("admin", "show", "ada@example.com",
                                          env=cli_env).stdout
