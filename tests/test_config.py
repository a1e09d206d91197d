"""Settings come from SECONDLOCK_* variables and a TOML file; bad ones name themselves."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from secondlock.config import SettingsError, load_settings


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SECONDLOCK_DATA_DIR": str(tmp_path), **values}


def test_defaults_are_the_embedded_development_setup(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path))
    assert settings.env == "development"
    assert settings.origin == "http://localhost:8000"
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'secondlock.db').resolve()}"
    assert settings.trusted_proxies == ()
    assert settings.session_idle_minutes == 30
    assert settings.session_absolute_hours == 12
    assert settings.rp_id == "localhost"


def test_secret_key_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    first = load_settings(env(tmp_path))
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_settings(env(tmp_path)).secret_key_bytes == first.secret_key_bytes
    assert len(first.secret_key_bytes) >= 32
    assert "*" in repr(first.secret_key)  # never printed


def test_group_readable_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("k" * 64)
    (tmp_path / "secret.key").chmod(0o644)
    with pytest.raises(SettingsError, match="SECONDLOCK_SECRET_KEY"):
        load_settings(env(tmp_path))


@pytest.mark.parametrize(("name", "value"), [
    ("SECONDLOCK_ORIGIN", "ftp://example.com"),
    ("SECONDLOCK_ORIGIN", "https://example.com/path"),
    ("SECONDLOCK_ENV", "staging"),
    ("SECONDLOCK_SESSION_IDLE_MINUTES", "120"),
    ("SECONDLOCK_SESSION_ABSOLUTE_HOURS", "48"),
    ("SECONDLOCK_TRUSTED_PROXIES", "10.0.0.0/8, not-a-cidr"),
    ("SECONDLOCK_SMTP_URL", "http://mail.example"),
    ("SECONDLOCK_SERVICE_NAME", "Shop:Accounts"),
    ("SECONDLOCK_ARGON2_MEMORY_KIB", "1024"),
    ("SECONDLOCK_PASSWORD_MIN_LENGTH", "6"),
    ("SECONDLOCK_TYPO_SETTING", "1"),
])
def test_bad_setting_is_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings(env(tmp_path, **{name: value}))
    message = str(info.value)
    assert message.startswith(name)
    assert "\n" not in message


def test_production_needs_https_an_explicit_key_and_smtp(tmp_path: Path) -> None:
    base = {"SECONDLOCK_ENV": "production", "SECONDLOCK_SECRET_KEY": "s" * 48,
            "SECONDLOCK_SMTP_URL": "smtp://mail.example:587?starttls=1"}
    with pytest.raises(SettingsError, match="SECONDLOCK_ORIGIN"):
        load_settings(env(tmp_path, **base, SECONDLOCK_ORIGIN="http://shop.example"))
    with pytest.raises(SettingsError, match="SECONDLOCK_SECRET_KEY"):
        load_settings(env(tmp_path, SECONDLOCK_ENV="production",
                          SECONDLOCK_ORIGIN="https://accounts.shop.example"))
    ok = load_settings(env(tmp_path, **base, SECONDLOCK_ORIGIN="https://accounts.shop.example"))
    assert ok.is_https
    assert ok.rp_id == "accounts.shop.example"
    assert not (tmp_path / "secret.key").exists()


def test_config_file_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "secondlock.toml"
    config.write_text('[secondlock]\norigin = "https://a.example"\nservice_name = "Shop"\n')
    settings = load_settings(env(tmp_path, SECONDLOCK_CONFIG_FILE=str(config),
                                 SECONDLOCK_SERVICE_NAME="Shop Accounts"))
    assert settings.origin == "https://a.example"
    assert settings.service_name == "Shop Accounts"


def test_unknown_key_in_config_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "secondlock.toml"
    config.write_text('[secondlock]\norign = "https://a.example"\n')
    with pytest.raises(SettingsError, match="orign"):
        load_settings(env(tmp_path, SECONDLOCK_CONFIG_FILE=str(config)))


def test_trusted_proxies_are_parsed(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path, SECONDLOCK_TRUSTED_PROXIES="10.0.0.0/8, ::1"))
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.0/8", "::1/128"]
