"""SMS settings: the provider and its options are checked at start-up, one clear line each."""

from __future__ import annotations

from pathlib import Path

import pytest

from secondlock.config import SettingsError, load_settings
from secondlock.notifications.sms import DisabledSms, OutboxSms, WebhookSms, build_sms_gateway


def env(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SECONDLOCK_DATA_DIR": str(tmp_path), **values}


PRODUCTION = {"SECONDLOCK_ENV": "production", "SECONDLOCK_ORIGIN": "https://id.example.com",
              "SECONDLOCK_SECRET_KEY": "p" * 48, "SECONDLOCK_SMTP_URL": "smtp://mail:25"}


def test_default_is_the_outbox_in_development_and_off_in_production(tmp_path: Path) -> None:
    dev = load_settings(env(tmp_path))
    assert dev.resolved_sms_provider == "outbox"
    assert isinstance(build_sms_gateway(dev), OutboxSms)
    prod = load_settings(env(tmp_path, **PRODUCTION))
    assert prod.resolved_sms_provider == "off"
    assert isinstance(build_sms_gateway(prod), DisabledSms)


def test_production_refuses_the_outbox(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECONDLOCK_SMS_PROVIDER"):
        load_settings(env(tmp_path, **PRODUCTION, SECONDLOCK_SMS_PROVIDER="outbox"))


@pytest.mark.parametrize(("values", "named"), [
    ({"SECONDLOCK_SMS_PROVIDER": "webhook"}, "SECONDLOCK_SMS_WEBHOOK_URL"),
    ({"SECONDLOCK_SMS_PROVIDER": "webhook", "SECONDLOCK_SMS_WEBHOOK_URL": "ftp://x"},
     "SECONDLOCK_SMS_WEBHOOK_URL"),
    ({"SECONDLOCK_SMS_PROVIDER": "webhook", "SECONDLOCK_SMS_WEBHOOK_URL": "https://h/sms",
      "SECONDLOCK_SMS_WEBHOOK_AUTH": "token-without-scheme"}, "SECONDLOCK_SMS_WEBHOOK_AUTH"),
    ({"SECONDLOCK_SMS_PROVIDER": "twilio", "SECONDLOCK_TWILIO_ACCOUNT_SID": "AC1"},
     "SECONDLOCK_TWILIO_AUTH_TOKEN"),
    ({"SECONDLOCK_SMS_PROVIDER": "carrier-pigeon"}, "SECONDLOCK_SMS_PROVIDER"),
    ({"SECONDLOCK_SMS_COUNTRIES": "US,XX"}, "SECONDLOCK_SMS_COUNTRIES"),
    ({"SECONDLOCK_SMS_DEFAULT_REGION": "Mars"}, "SECONDLOCK_SMS_DEFAULT_REGION"),
    ({"SECONDLOCK_OOB_CODE_MINUTES": "30"}, "SECONDLOCK_OOB_CODE_MINUTES"),
    ({"SECONDLOCK_SMS_BUDGET_GLOBAL_HOUR": "0"}, "SECONDLOCK_SMS_BUDGET_GLOBAL_HOUR"),
])
def test_bad_sms_settings_name_themselves(tmp_path: Path, values: dict[str, str],
                                          named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        load_settings(env(tmp_path, **values))


def test_webhook_with_auth_and_countries(tmp_path: Path) -> None:
    settings = load_settings(env(tmp_path, SECONDLOCK_SMS_PROVIDER="webhook",
                                 SECONDLOCK_SMS_WEBHOOK_URL="https://sms.example.com/send",
                                 SECONDLOCK_SMS_WEBHOOK_AUTH="Bearer abc",
                                 SECONDLOCK_SMS_COUNTRIES="us, gb",
                                 SECONDLOCK_SMS_DEFAULT_REGION="us"))
    assert settings.sms_countries == ("US", "GB")
    assert settings.sms_default_region == "US"
    gateway = build_sms_gateway(settings)
    assert isinstance(gateway, WebhookSms)
    gateway.close()
    assert "abc" not in repr(settings)
