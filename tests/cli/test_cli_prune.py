"""``secondlock prune``: activity past the retention period and expired sessions go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secondlock.core.clock import FixedClock
from secondlock.core.request_info import CLI_REQUEST
from secondlock.services import Services
from tests.cli.conftest import Invoke, services_for
from tests.conftest import PASSWORD


def sign_up_and_in(services: Services, email: str) -> str:
    services.accounts.sign_up(email, PASSWORD, CLI_REQUEST, send_welcome=False)
    session = services.login.login(email, PASSWORD, CLI_REQUEST).session
    assert session is not None
    return services.sessions.authenticate(session.token).account_id


def events(services: Services, account_id: str) -> list[str]:
    return [e.event for e in services.activity.page(account_id, limit=100).entries]


def test_prune_deletes_old_activity_and_expired_sessions_only(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    now = datetime.now(UTC)
    with services_for(cli_env) as services:
        services.rt.clock = FixedClock(now - timedelta(days=200))
        old = sign_up_and_in(services, "old@example.com")
        services.rt.clock = FixedClock(now - timedelta(days=10))
        recent = sign_up_and_in(services, "recent@example.com")
    result = invoke("prune", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "Deleted 2 activity entries older than 180 days and 2 expired sessions." \
        in result.stdout.replace("\n", " ")
    with services_for(cli_env) as services:
        assert events(services, old) == []
        assert events(services, recent) == ["login", "account_created"]
    shorter = invoke("prune", "--days", "7", env={**cli_env})
    assert shorter.exit_code == 0
    assert "Deleted 2 activity entries older than 7 days and 0 expired sessions." \
        in shorter.stdout.replace("\n", " ")


def test_prune_takes_the_retention_from_the_settings(invoke: Invoke,
                                                     cli_env: dict[str, str]) -> None:
    assert invoke("migrate", env=cli_env).exit_code == 0
    now = datetime.now(UTC)
    with services_for(cli_env) as services:
        services.rt.clock = FixedClock(now - timedelta(days=40))
        account = sign_up_and_in(services, "ada@example.com")
    env = {**cli_env, "SECONDLOCK_ACTIVITY_RETENTION_DAYS": "30"}
    assert invoke("prune", env=env).exit_code == 0
    with services_for(cli_env) as services:
        assert events(services, account) == []
    bad = invoke("prune", env={**cli_env, "SECONDLOCK_ACTIVITY_RETENTION_DAYS": "0"})
    assert bad.exit_code == 2
    assert "SECONDLOCK_ACTIVITY_RETENTION_DAYS" in bad.output


def test_prune_deletes_expired_challenges_links_and_remembered_devices(
        invoke: Invoke, cli_env: dict[str, str]) -> None:
    from sqlalchemy import func, select

    from secondlock.services.trusted_devices import remember_device
    from secondlock.storage.orm import AccountToken, MfaChallenge, TrustedDevice

    assert invoke("migrate", env=cli_env).exit_code == 0
    now = datetime.now(UTC)
    with services_for(cli_env) as services:
        services.rt.clock = FixedClock(now - timedelta(days=40))
        account_id = sign_up_and_in(services, "old@example.com")  # a confirmation link
        with services.rt.db.write() as s:
            remember_device(s, account_id=account_id, info=CLI_REQUEST,
                            now=services.rt.clock.now(), days=30)
            s.commit()
        services.rt.clock = FixedClock(now)
        fresh = sign_up_and_in(services, "new@example.com")  # a live link stays
    result = invoke("prune", env=cli_env)
    assert result.exit_code == 0, result.output
    assert "expired sign-in challenges, links, remembered devices" in \
        result.stdout.replace("\n", " ")
    with services_for(cli_env) as services, services.rt.db.read() as s:
        assert s.scalar(select(func.count()).select_from(TrustedDevice)) == 0
        owners = set(s.scalars(select(AccountToken.account_id)))
        assert owners == {fresh}
        assert s.scalar(select(func.count()).select_from(MfaChallenge)) == 0
