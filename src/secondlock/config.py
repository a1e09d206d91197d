"""Settings: built once at start-up from ``SECONDLOCK_*`` variables and an optional TOML file.

Nothing here runs at import time. ``load_settings()`` is called by the CLI and by
``create_app()`` callers; tests build ``Settings(...)`` directly.
"""

from __future__ import annotations

import os
import secrets
import shlex
import stat
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from secondlock.core.crypto import Keyring, derive_key, parse_keyring
from secondlock.core.network import IPNetwork, parse_networks

ENV_PREFIX = "SECONDLOCK_"
ENCRYPTION_KEYS_FILE = "encryption.keys"
SECRET_KEY_FILE = "secret.key"  # noqa: S105 - a file name, not a secret
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class SettingsError(Exception):
    """A setting is missing or wrong; the message names it in one line."""


class Settings(BaseModel):
    """Every knob SecondLock has. Immutable once built."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    env: Literal["development", "production"] = "development"
    data_dir: Path = Path("./secondlock-data")
    database_url: str = ""
    origin: str = "http://localhost:8000"
    secret_key: SecretStr | None = None
    trusted_proxies: tuple[IPNetwork, ...] = ()
    smtp_url: SecretStr | None = None
    mail_from: str = "SecondLock <no-reply@localhost>"
    service_name: str = "SecondLock"

    session_idle_minutes: int = Field(default=30, ge=1, le=60)
    session_absolute_hours: int = Field(default=12, ge=1, le=24)

    password_min_length: int = Field(default=8, ge=8, le=64)
    password_min_length_single_factor: int = Field(default=15, ge=8, le=64)
    argon2_time_cost: int = Field(default=2, ge=2, le=20)
    argon2_memory_kib: int = Field(default=19 * 1024, ge=19 * 1024, le=4 * 1024 * 1024)
    argon2_parallelism: int = Field(default=1, ge=1, le=16)
    #: Password hashes computed at once per worker process (each needs argon2_memory_kib).
    #: More workers (``serve --workers``) scale sign-ins across cores.
    argon2_threads: int = Field(default=1, ge=1, le=16)

    #: Accepted TOTP clock drift in 30 s steps either way (RFC 6238 recommends 1; never > 2).
    totp_drift_steps: int = Field(default=1, ge=0, le=2)
    #: Data-encryption keys for secrets at rest, base64, newest first (comma separated).
    #: Unset: one key derived from the secret key. ``secondlock rotate-key`` prints a new one.
    encryption_keys: SecretStr | None = None
    #: Minutes a sign-in counts as recent for sensitive changes ("sudo mode").
    reauth_minutes: int = Field(default=10, ge=1, le=60)
    #: Days activity rows are kept; ``secondlock prune`` deletes older ones.
    activity_retention_days: int = Field(default=180, ge=1, le=3650)
    #: Days a remembered device skips the code (server-enforced; never more than 30).
    trusted_device_days: int = Field(default=30, ge=1, le=30)
    #: Seconds a recovery without any factor waits before it can finish (default 72 hours):
    #: time for whoever still holds a factor to stop it (docs/recovery.md).
    recovery_delay: int = Field(default=259200, ge=1, le=30 * 24 * 3600)

    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10 * 1024 * 1024)
    #: A request body must arrive in full this many seconds after its headers (else 408).
    body_timeout_seconds: float = Field(default=20, gt=0, le=600)

    # SMS and email codes (#4) ----------------------------------------------------------------
    #: ``outbox`` (console + /dev/outbox; development only), ``webhook``, ``twilio`` or ``off``.
    #: Unset: ``outbox`` in development, ``off`` in production.
    sms_provider: Literal["outbox", "webhook", "twilio", "off"] | None = None
    #: ``webhook``: where to POST ``{"to": "+E164", "body": "..."}``.
    sms_webhook_url: str = ""
    #: ``webhook``: optional ``Bearer <token>`` or ``Basic <user>:<password>``.
    sms_webhook_auth: SecretStr | None = None
    #: ``twilio``: the Messages API (base URL overridable, e.g. for a regional edge).
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr | None = None
    twilio_from: str = ""
    twilio_base_url: str = "https://api.twilio.com"
    #: Seconds to wait for the SMS gateway (connect and answer).
    sms_timeout_seconds: float = Field(default=5.0, gt=0, le=30)
    #: Countries SMS may go to (ISO codes, comma separated); empty: all, within the budgets.
    sms_countries: tuple[str, ...] = ()
    #: Region for phone numbers typed without a country code (``US``); unset: "+" required.
    sms_default_region: str | None = None
    #: Minutes an SMS or email code stays valid (never more than 10).
    oob_code_minutes: int = Field(default=10, ge=1, le=10)
    #: Send budgets (SMS; email codes share the per-address, account and IP ones).
    sms_budget_number_hour: int = Field(default=5, ge=1, le=1000)
    sms_budget_number_day: int = Field(default=10, ge=1, le=10000)
    sms_budget_account_hour: int = Field(default=10, ge=1, le=1000)
    sms_budget_account_day: int = Field(default=20, ge=1, le=10000)
    sms_budget_ip_hour: int = Field(default=20, ge=1, le=10000)
    sms_budget_ip_day: int = Field(default=100, ge=1, le=100000)
    #: All SMS of the service per hour; past it the circuit breaker stops SMS (loud log).
    sms_budget_global_hour: int = Field(default=500, ge=1, le=1_000_000)

    @field_validator("sms_countries", mode="before")
    @classmethod
    def _parse_countries(cls, value: Any) -> Any:
        import phonenumbers

        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple):
            return value
        codes = tuple(str(v).strip().upper() for v in items if str(v).strip())
        for code in codes:
            if code not in phonenumbers.SUPPORTED_REGIONS:
                raise ValueError(f"{code!r} is not an ISO 3166 country code (like US,DE,FR)")
        return codes

    @field_validator("sms_default_region", mode="before")
    @classmethod
    def _check_region(cls, value: Any) -> Any:
        import phonenumbers

        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        code = str(value).strip().upper()
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"{code!r} is not an ISO 3166 country code (like US or DE)")
        return code

    @model_validator(mode="after")
    def _check_sms(self) -> Settings:
        provider = self.sms_provider
        if provider == "outbox" and self.env == "production":
            raise ValueError("SECONDLOCK_SMS_PROVIDER: the outbox prints codes; use webhook, "
                             "twilio or off in production")
        if provider == "webhook":
            if not _is_http_url(self.sms_webhook_url):
                raise ValueError("SECONDLOCK_SMS_WEBHOOK_URL must be set to an http(s):// URL "
                                 "when SECONDLOCK_SMS_PROVIDER=webhook")
            auth = self.sms_webhook_auth.get_secret_value() if self.sms_webhook_auth else ""
            if auth and not ((auth.startswith("Bearer ") and len(auth) > 7) or
                             (auth.startswith("Basic ") and ":" in auth)):
                raise ValueError("SECONDLOCK_SMS_WEBHOOK_AUTH must look like 'Bearer <token>' "
                                 "or 'Basic <user>:<password>'")
        if provider == "twilio":
            if not self.twilio_account_sid or self.twilio_auth_token is None \
                    or not self.twilio_from:
                raise ValueError("SECONDLOCK_SMS_PROVIDER=twilio needs "
                                 "SECONDLOCK_TWILIO_ACCOUNT_SID, SECONDLOCK_TWILIO_AUTH_TOKEN "
                                 "and SECONDLOCK_TWILIO_FROM")
            if not _is_http_url(self.twilio_base_url):
                raise ValueError("SECONDLOCK_TWILIO_BASE_URL must be an http(s):// URL")
        return self

    @property
    def resolved_sms_provider(self) -> str:
        if self.sms_provider is not None:
            return self.sms_provider
        return "off" if self.env == "production" else "outbox"

    # Breached passwords (issue 12) -------------------------------------------------------
    #: ``api``: also look new passwords up in the Pwned Passwords range API (only the first
    #: five hex digits of their SHA-1 leave the machine); ``off`` (default): the packaged list.
    pwned_passwords: Literal["off", "api"] = "off"
    pwned_passwords_url: str = "https://api.pwnedpasswords.com/range/"

    @field_validator("pwned_passwords_url")
    @classmethod
    def _check_pwned_url(cls, value: str) -> str:
        if not _is_http_url(value):
            raise ValueError("SECONDLOCK_PWNED_PASSWORDS_URL must be an http(s):// URL")
        return value.strip()

    # OpenID Connect provider (issue #7) ---------------------------------------------------
    #: Minutes an OIDC access token (and an ID token) is valid.
    oidc_access_token_minutes: int = Field(default=15, ge=1, le=60)
    #: Absolute lifetime of a refresh-token family in days (rotation does not extend it).
    oidc_refresh_token_days: int = Field(default=30, ge=1, le=90)
    #: ID-token signature algorithm for new signing keys.
    oidc_signing_alg: Literal["ES256", "RS256"] = "ES256"

    # The outbox, webhooks, metrics and logs (issue #13) --------------------------------------
    #: Days a sent (or dropped) outbox row is kept; ``secondlock prune`` deletes older ones.
    outbox_retention_days: int = Field(default=7, ge=1, le=365)
    #: Hours a mail or text is retried before it counts as failed (codes stop at expiry).
    message_retry_hours: int = Field(default=24, ge=1, le=24 * 7)
    #: Hours a webhook delivery is retried (the contract: at least 24).
    webhook_retry_hours: int = Field(default=72, ge=24, le=24 * 14)
    #: Days of nothing but failures after which an endpoint is marked failing.
    webhook_failing_days: int = Field(default=3, ge=1, le=60)
    #: Seconds a webhook endpoint has to answer (connect and answer).
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    #: Deliveries in flight at once per webhook endpoint (per server process).
    webhook_concurrency: int = Field(default=2, ge=1, le=32)
    #: ``GET /metrics`` answers only with ``Authorization: Bearer <this>``; unset: 404.
    metrics_token: SecretStr | None = None
    #: ``text`` (uvicorn's usual lines) or ``json`` (one JSON object per line).
    log_format: Literal["text", "json"] = "text"
    #: One line per request (in the log format above); ``false`` turns it off.
    access_log: bool = True

    # Where a sign-in comes from, and requiring 2FA (issue #16) ---------------------------
    #: ``builtin`` (offline country lookup), a path to a MaxMind ``.mmdb`` file (City or
    #: Country), or ``off``.
    geoip: str = "builtin"
    #: ``all``: every account must have a second factor (past the grace period).
    require_2fa: Literal["off", "all"] = "off"
    #: Seconds an account may still go without a factor, from its first sign-in under the rule.
    require_2fa_grace: int = Field(default=0, ge=0, le=366 * 86400)
    #: Days unused after which a factor is pointed out ("still have this phone?").
    stale_factor_days: int = Field(default=180, ge=1, le=3650)

    @field_validator("geoip")
    @classmethod
    def _check_geoip(cls, value: str) -> str:
        value = value.strip()
        if value in ("builtin", "off"):
            return value
        path = Path(value).expanduser()
        if not path.is_file():
            raise ValueError("must be builtin, off, or the path of a MaxMind .mmdb file "
                             f"({value} is not a file)")
        return str(path.resolve())

    # Staff and the support desk (issue #14) ---------------------------------------------
    #: 1: a 2FA reset by staff waits for a second staff member (an admin) to approve it.
    staff_reset_approval: int = Field(default=0, ge=0, le=1)
    #: Days the staff audit log is kept; ``secondlock prune`` deletes only older entries.
    staff_audit_retention_days: int = Field(default=2555, ge=365, le=36500)
    #: What staff check before a 2FA reset, shown in the console; items separated by ";".
    staff_identity_checklist: str = Field(
        default="The order history matches;The person can read the account's email address;"
                "A video call or an ID check matched the person",
        max_length=2000)

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _parse_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return parse_networks(value)
        if isinstance(value, list):
            return parse_networks(",".join(str(v) for v in value))
        return value

    @field_validator("origin")
    @classmethod
    def _check_origin(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must look like https://accounts.example.com")
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
            raise ValueError("must be a bare origin: scheme, host and optional port, no path")
        return f"{parts.scheme}://{parts.netloc}".lower()

    @field_validator("service_name")
    @classmethod
    def _check_service_name(cls, value: str) -> str:
        # The name is the TOTP issuer; the Key URI Format forbids ":" in it.
        if not value.strip() or ":" in value:
            raise ValueError("must be non-empty and must not contain ':'")
        return value.strip()

    @field_validator("smtp_url")
    @classmethod
    def _check_smtp_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        parts = urlsplit(value.get_secret_value())
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("must look like smtp://user:pass@host:587?starttls=1 or smtps://...")
        return value

    @field_validator("encryption_keys")
    @classmethod
    def _check_encryption_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        parse_keyring(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _check_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.is_https is False and self.origin_host not in LOCAL_HOSTS:
            raise ValueError("SECONDLOCK_ORIGIN must use https:// in production")
        if self.secret_key is None:
            raise ValueError("SECONDLOCK_SECRET_KEY must be set explicitly in production")
        if self.smtp_url is None:
            raise ValueError(
                "SECONDLOCK_SMTP_URL must be set in production (the dev outbox prints codes)"
            )
        return self

    # Derived values -----------------------------------------------------------------------
    @property
    def is_https(self) -> bool:
        return self.origin.startswith("https://")

    @property
    def origin_host(self) -> str:
        return urlsplit(self.origin).hostname or "localhost"

    @property
    def rp_id(self) -> str:
        """The WebAuthn relying-party id: the origin's host name."""
        return self.origin_host

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'secondlock.db').resolve()}"

    def keyring(self) -> Keyring:
        """Keys for secrets at rest: the configured ones, else one derived from the secret key."""
        if self.encryption_keys is not None:
            return Keyring(parse_keyring(self.encryption_keys.get_secret_value()))
        return Keyring([derive_key(self.secret_key_bytes)])

    @property
    def secret_key_bytes(self) -> bytes:
        if self.secret_key is None:
            raise SettingsError("SECONDLOCK_SECRET_KEY: no secret key was loaded")
        return self.secret_key.get_secret_value().encode()


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_FIELD_ENV = {name: ENV_PREFIX + name.upper() for name in Settings.model_fields}


def load_settings(environ: Mapping[str, str] | None = None, *,
                  create_secret: bool = True) -> Settings:
    """Build Settings from the environment and ``SECONDLOCK_CONFIG_FILE`` (TOML).

    The environment wins over the file. When no secret key is configured, one is generated
    into ``<data_dir>/secret.key`` (mode 0600) on first start and read back afterwards.

    Raises:
        SettingsError: one line naming the setting that is wrong.
    """
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    config_file = env.get(ENV_PREFIX + "CONFIG_FILE")
    if config_file:
        values.update(_read_config_file(Path(config_file)))
    unknown = sorted(k for k in env if k.startswith(ENV_PREFIX)
                     and k not in _FIELD_ENV.values() and k != ENV_PREFIX + "CONFIG_FILE"
                     and not k.startswith(ENV_PREFIX + "TEST_"))
    if unknown:
        raise SettingsError(f"{unknown[0]}: unknown setting")
    for name, var in _FIELD_ENV.items():
        if var in env:
            values[name] = env[var]
    settings = _validate(values)
    creates_secret = settings.secret_key is None and create_secret \
        and settings.env != "production"
    if creates_secret or not settings.database_url or settings.data_dir.exists() \
            or settings.data_dir.is_symlink():
        prepare_data_dir(settings.data_dir)
    if creates_secret:
        key = _load_or_create_secret(settings.data_dir)
        settings = settings.model_copy(update={"secret_key": SecretStr(key)})
    keys_file = settings.data_dir / ENCRYPTION_KEYS_FILE
    if settings.encryption_keys is None and keys_file.exists():
        # Written by ``secondlock rotate-key`` on the embedded setup.
        settings = _validate({**settings.model_dump(), "encryption_keys": _read_private(
            keys_file, "SECONDLOCK_ENCRYPTION_KEYS")})
    return settings


def _read_private(path: Path, setting: str) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SettingsError(f"{setting}: {path} must not be readable by others "
                            f"(mode {mode:o}); run chmod 600 on it")
    return path.read_text(encoding="utf-8").strip()


def write_private(path: Path, text: str) -> None:
    """Replace a file atomically, readable by the owner only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.replace(tmp, path)


def _validate(values: dict[str, Any]) -> Settings:
    try:
        return Settings(**values)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = error.get("loc") or ()
        name = _FIELD_ENV.get(str(loc[0]), "settings") if loc else "settings"
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if message.startswith(ENV_PREFIX):
            raise SettingsError(message) from None
        raise SettingsError(f"{name}: {message}") from None


def _read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"SECONDLOCK_CONFIG_FILE: {path} does not exist") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"SECONDLOCK_CONFIG_FILE: {path} is not valid TOML ({exc})") from None
    section = data.get("secondlock", data)
    if not isinstance(section, dict):
        raise SettingsError("SECONDLOCK_CONFIG_FILE: expected a [secondlock] table")
    for key in section:
        if key not in _FIELD_ENV:
            raise SettingsError(f"SECONDLOCK_CONFIG_FILE: unknown setting {key!r}")
    return dict(section)


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data folder for the owner only (0700), or check the one that is there.

    It holds the database, its secrets and the keys: a folder that other users can enter or
    read is refused with one line that says how to fix it, and so is a file in its place.

    Raises:
        SettingsError: one line naming SECONDLOCK_DATA_DIR.
    """
    shown = str(data_dir.absolute())
    try:
        if not data_dir.exists() and not data_dir.is_symlink():
            data_dir.mkdir(mode=0o700, parents=True)
            os.chmod(data_dir, 0o700)  # mkdir's mode passes through the umask
            return
        info = data_dir.stat()
    except FileExistsError:  # created at the same moment by another process
        info = data_dir.stat()
    except OSError as exc:
        raise SettingsError(
            f"SECONDLOCK_DATA_DIR: cannot create {shown} ({exc.strerror})") from None
    if not stat.S_ISDIR(info.st_mode):
        raise SettingsError(f"SECONDLOCK_DATA_DIR: {shown} is a file, not a folder; move it "
                            "away or set SECONDLOCK_DATA_DIR to a folder")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise SettingsError(f"SECONDLOCK_DATA_DIR: {shown} is open to other users "
                            f"(mode {mode:o}); run: chmod 700 {shlex.quote(shown)}")


def _load_or_create_secret(data_dir: Path) -> str:
    path = data_dir / SECRET_KEY_FILE
    try:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise SettingsError(f"SECONDLOCK_SECRET_KEY: {path} must not be readable by others "
                                f"(mode {mode:o}); run chmod 600 on it")
        key = path.read_text(encoding="utf-8").strip()
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(
            f"SECONDLOCK_DATA_DIR: cannot use {data_dir} ({exc.strerror})") from None
    if len(key) < 32:
        raise SettingsError(f"SECONDLOCK_SECRET_KEY: {path} holds a key that is too short")
    return key
