"""``secondlock webhooks add|list|remove`` and ``secondlock outbox [retry]``."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import update

from secondlock.notifications.base import OutgoingEmail
from secondlock.services.outbox import queue_email
from secondlock.storage.orm_outbox import OutboxMessage
from tests.cli.conftest import Invoke, services_for


def test_webhooks_add_prints_id_and_secret_once_then_list_and_remove(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    added = invoke("webhooks", "add", "https://shop.example.com/hooks",
                   "--events", "mfa.enabled,account.locked", env=cli_env)
    assert added.exit_code == 0, added.output
    endpoint_id = re.search(r"^id: (ep_\w+)$", added.stdout, re.M)
    secret = re.search(r"^secret: (whsec_[A-Za-z0-9+/=]+)$", added.stdout, re.M)
    assert endpoint_id
    assert secret
    listed = invoke("webhooks", "list", env=cli_env)
    assert listed.exit_code == 0
    assert endpoint_id.group(1) in listed.stdout
    assert "https://shop.example.com/hooks" in listed.stdout
    assert "account.locked, mfa.enabled" in listed.stdout
    assert "status: ok" in listed.stdout
    assert secret.group(1) not in listed.stdout
    removed = invoke("webhooks", "remove", endpoint_id.group(1), env=cli_env)
    assert removed.exit_code == 0
    assert invoke("webhooks", "remove", endpoint_id.group(1), env=cli_env).exit_code == 1
    assert "No webhook endpoints" in invoke("webhooks", "list", env=cli_env).stdout


def test_webhooks_add_refuses_plain_http_and_unknown_events(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    plain = invoke("webhooks", "add", "http://shop.example.com/hooks", env=cli_env)
    assert plain.exit_code == 2
    assert "https" in plain.output
    unknown = invoke("webhooks", "add", "https://shop.example.com/h", "--events", "tea.made",
                     env=cli_env)
    assert unknown.exit_code == 2
    assert "unknown event type" in unknown.output
    assert invoke("webhooks", "add", "http://localhost:9000/h", env=cli_env).exit_code == 0


def test_outbox_shows_counts_and_age_and_retry_revives_failed(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    with services_for(cli_env) as services:
        rt = services.rt
        with rt.db.write() as s:
            ids = [queue_email(rt, s, OutgoingEmail(to="a@example.com", subject="s", text="t",
                                                    kind="mfa_enabled")) for _ in range(3)]
            s.execute(update(OutboxMessage).where(OutboxMessage.id == ids[0]).values(
                status="failed", attempts=12, last_error="could not deliver mail via smtp.x"))
            s.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids[1:])).values(
                created_at=rt.clock.now() - timedelta(minutes=7)))
            s.commit()
    shown = invoke("outbox", env=cli_env)
    assert shown.exit_code == 0, shown.output
    email_line = next(line for line in shown.stdout.splitlines() if line.startswith("email"))
    assert email_line.split()[:3] == ["email", "2", "1"]
    assert "7 min" in email_line
    assert ids[0] in shown.stdout
    assert "could not deliver mail via smtp.x" in shown.stdout
    assert invoke("outbox", "retry", env=cli_env).exit_code == 2
    assert invoke("outbox", "retry", "msg_nope", env=cli_env).exit_code == 1
    retried = invoke("outbox", "retry", "--all-failed", env=cli_env)
    assert retried.exit_code == 0
    assert "1 failed message will be sent again." in retried.stdout
    again = invoke("outbox", env=cli_env)
    email_line = next(line for line in again.stdout.splitlines() if line.startswith("email"))
    assert email_line.split()[:3] == ["email", "3", "0"]
    assert invoke("outbox", "retry", ids[0], env=cli_env).exit_code == 0


def test_prune_deletes_sent_rows_past_the_retention(invoke: Invoke,
                                                    cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    with services_for(cli_env) as services:
        rt = services.rt
        with rt.db.write() as s:
            old, recent, waiting = (queue_email(rt, s, OutgoingEmail(
                to="a@example.com", subject="s", text="t", kind="k")) for _ in range(3))
            s.execute(update(OutboxMessage).where(OutboxMessage.id == old).values(
                status="sent", sent_at=rt.clock.now() - timedelta(days=8)))
            s.execute(update(OutboxMessage).where(OutboxMessage.id == recent).values(
                status="sent", sent_at=rt.clock.now() - timedelta(days=1)))
            s.commit()
    result = invoke("prune", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Deleted 1 outbox message sent more than 7 days ago." in result.stdout
    with services_for(cli_env) as services, services.rt.db.read() as s:
        assert s.get(OutboxMessage, old) is None
        assert s.get(OutboxMessage, recent) is not None
        assert s.get(OutboxMessage, waiting) is not None
