"""Benchmark fixtures: a migrated database, one real account, and cheap clones of it."""

from __future__ import annotations

import json
import secrets
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import create_engine, insert, select

from secondlock.config import Settings
from secondlock.core import totp
from secondlock.core.tokens import hash_token, new_token
from secondlock.services.login import MFA_TOKEN_MINUTES
from secondlock.storage.migrate import upgrade
from secondlock.storage.orm import Account, Authenticator, MfaChallenge

# Throw-away fixtures for a temporary database, not credentials.
EMAIL = "ada@example.com"
PASSWORD = "plum lantern orbit quay 73"  # noqa: S105
WRONG_PASSWORD = "not the password at all"  # noqa: S105
SECRET = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
CLONE_EMAIL = "bench-{}@example.com"
#: The code every scenario-c request sends; seeded secrets never produce it while seeded.
WRONG_CODE = "000000"


def settings_for(data_dir: Path, *, trusted_proxies: str = "") -> Settings:
    return Settings(data_dir=data_dir, secret_key=SecretStr(SECRET),
                    database_url=f"sqlite:///{data_dir / 'secondlock.db'}",
                    trusted_proxies=trusted_proxies)


def server_env(settings: Settings, base: dict[str, str], *, trusted_proxies: str) -> dict[str, str]:
    """The parent's environment without any SECONDLOCK_* variable, plus ours."""
    env = {k: v for k, v in base.items() if not k.startswith("SECONDLOCK_")}
    env.update(SECONDLOCK_DATA_DIR=str(settings.data_dir),
               SECONDLOCK_SECRET_KEY=SECRET,
               SECONDLOCK_DATABASE_URL=settings.resolved_database_url,
               SECONDLOCK_TRUSTED_PROXIES=trusted_proxies)
    return env


def migrate(settings: Settings) -> None:
    settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.data_dir.chmod(0o700)  # SecondLock refuses a data folder open to others
    engine = create_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def clone_accounts(database_url: str, count: int) -> None:
    """``count`` accounts bench-<i>@example.com sharing the real account's password hash.

    Written straight into the database: hashing each one would take count * ~30 ms.
    """
    engine = create_engine(database_url)
    try:
        with engine.begin() as conn:
            password_hash = conn.scalar(select(Account.password_hash)
                                        .where(Account.email == EMAIL))
            now = datetime.now(UTC)
            conn.execute(insert(Account), [
                {"id": str(uuid.uuid4()), "email": CLONE_EMAIL.format(i),
                 "password_hash": password_hash, "created_at": now,
                 "password_changed_at": now, "user_handle": secrets.token_bytes(32)}
                for i in range(count)])
    finally:
        engine.dispose()


@dataclass(frozen=True)
class MfaBatch:
    """``count`` accounts with 2FA on, each with a pending sign-in; tokens ``<prefix>.<i>``."""

    prefix: str
    count: int
    expires_at: datetime

    def token(self, i: int) -> str:
        return f"{self.prefix}.{i}"


def _wrong_all_window(secret: str, start: datetime, end: datetime, drift: int) -> bool:
    """True when WRONG_CODE matches no step a server could accept between start and end."""
    first = totp.current_step(start) - drift
    last = totp.current_step(end) + drift
    return all(totp.code_at(secret, datetime.fromtimestamp(step * totp.PERIOD, UTC))
               != WRONG_CODE for step in range(first, last + 1))


def seed_mfa_accounts(settings: Settings, count: int) -> MfaBatch:
    """Accounts with one confirmed TOTP authenticator and one fresh mfa challenge each.

    Written straight into the database like ``clone_accounts`` (a sign-in over HTTP would
    cost an argon2 hash per account): the password hash is the real account's, the secret is
    sealed with the app's keyring exactly as enrolment does, the challenge is what a correct
    password leaves behind (valid for MFA_TOKEN_MINUTES). Secrets are redrawn until
    WRONG_CODE is wrong for them during the whole life of the challenge, drift included.
    """
    keyring = settings.keyring()
    now = datetime.now(UTC)
    expires_at = now + timedelta(minutes=MFA_TOKEN_MINUTES)
    prefix = new_token()
    batch = prefix[:8]
    accounts: list[dict[str, object]] = []
    factors: list[dict[str, object]] = []
    challenges: list[dict[str, object]] = []
    engine = create_engine(settings.resolved_database_url)
    try:
        with engine.begin() as conn:
            password_hash = conn.scalar(select(Account.password_hash)
                                        .where(Account.email == EMAIL))
            for i in range(count):
                account_id, row_id = str(uuid.uuid4()), str(uuid.uuid4())
                secret = totp.new_secret()
                while not _wrong_all_window(secret, now, expires_at, totp.MAX_DRIFT_STEPS):
                    secret = totp.new_secret()
                sealed = keyring.seal(secret.encode("ascii"), context=row_id.encode())
                accounts.append({
                    "id": account_id, "email": f"mfa-{batch}-{i}@example.com",
                    "password_hash": password_hash, "created_at": now,
                    "password_changed_at": now, "user_handle": secrets.token_bytes(32),
                    "mfa_enabled_at": now})
                factors.append({
                    "id": row_id, "account_id": account_id, "type": "totp",
                    "name": "Authenticator app", "created_at": now, "confirmed_at": now,
                    "secret_key_id": sealed.key_id, "secret_blob": sealed.blob})
                challenges.append({
                    "id": str(uuid.uuid4()), "token_hash": hash_token(f"{prefix}.{i}"),
                    "account_id": account_id, "created_at": now, "expires_at": expires_at,
                    "ip": "127.0.0.1", "user_agent": "wrk"})
            conn.execute(insert(Account), accounts)
            conn.execute(insert(Authenticator), factors)
            conn.execute(insert(MfaChallenge), challenges)
    finally:
        engine.dispose()
    return MfaBatch(prefix, count, expires_at)


def post_json(url: str, body: dict[str, str]) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def sign_up_and_log_in(base: str) -> str:
    """Create the real account over HTTP and return a bearer token."""
    status, body = post_json(base + "/api/v1/accounts", {"email": EMAIL, "password": PASSWORD})
    if status != 201:
        raise RuntimeError(f"sign-up answered {status}: {body}")
    status, body = post_json(base + "/api/v1/login", {"email": EMAIL, "password": PASSWORD})
    if status != 200 or not isinstance(body.get("token"), str):
        raise RuntimeError(f"login answered {status}: {body}")
    return str(body["token"])
