"""The SMS gateways against a real HTTP server on loopback: what it received, and failures."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from secondlock.notifications.base import DeliveryError
from secondlock.notifications.sms import TwilioSms, WebhookSms, build_sms_gateway, sms_text
from tests.conftest import TEST_SECRET
from tests.notifications.conftest import free_port
from tests.notifications.sms_server import TWILIO_SID, TWILIO_TOKEN, FakeGateway, sms_server

__all__ = ["sms_server"]

NO_WAIT = (0.0, 0.0)
Made = list[WebhookSms | TwilioSms]


@pytest.fixture
def closing() -> Iterator[list[WebhookSms | TwilioSms]]:
    """Gateways made by a test, closed at its end (their HTTP connections)."""
    made: list[WebhookSms | TwilioSms] = []
    yield made
    for gateway in made:
        gateway.close()


def test_webhook_posts_json_with_a_bearer_token(sms_server: FakeGateway, closing: Made) -> None:
    gateway = WebhookSms(f"{sms_server.base_url}/sms", auth="Bearer s3cret",
                         retry_delays=NO_WAIT)
    closing.append(gateway)
    closing.append(gateway)
    gateway.send_sms("+12015550123", "123456 is your SecondLock code.")
    [got] = sms_server.received
    assert got.json == {"to": "+12015550123", "body": "123456 is your SecondLock code."}
    assert got.headers["authorization"] == "Bearer s3cret"
    assert got.headers["content-type"] == "application/json"


def test_webhook_basic_auth_is_encoded(sms_server: FakeGateway, closing: Made) -> None:
    gateway = WebhookSms(f"{sms_server.base_url}/sms", auth="Basic shop:pa:ss",
                         retry_delays=NO_WAIT)
    closing.append(gateway)
    closing.append(gateway)
    gateway.send_sms("+12015550123", "hello")
    assert sms_server.received[0].headers["authorization"] == \
        "Basic " + base64.b64encode(b"shop:pa:ss").decode()


def test_twilio_shape_form_fields_and_account_auth(sms_server: FakeGateway, closing: Made) -> None:
    gateway = TwilioSms(account_sid=TWILIO_SID, auth_token=TWILIO_TOKEN,
                        sender="+15005550006", base_url=sms_server.base_url,
                        retry_delays=NO_WAIT)
    closing.append(gateway)
    gateway.send_sms("+442071838750", "654321 is your SecondLock code.")
    [got] = sms_server.received
    assert got.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json"
    assert got.form == {"To": "+442071838750", "From": "+15005550006",
                        "Body": "654321 is your SecondLock code."}


def test_twilio_wrong_token_is_a_clear_delivery_error(sms_server: FakeGateway,
                                                     closing: Made) -> None:
    gateway = TwilioSms(account_sid=TWILIO_SID, auth_token="wrong", sender="MG123",
                        base_url=sms_server.base_url, retry_delays=NO_WAIT)
    with pytest.raises(DeliveryError, match="401"):
        gateway.send_sms("+442071838750", "x")


def test_gateway_500_is_not_retried(sms_server: FakeGateway, closing: Made) -> None:
    # A 500 may have sent the text: retrying could send it twice (and cost twice).
    sms_server.fail_with = [500]
    gateway = WebhookSms(f"{sms_server.base_url}/sms", retry_delays=NO_WAIT)
    closing.append(gateway)
    with pytest.raises(DeliveryError, match="500"):
        gateway.send_sms("+12015550123", "x")
    assert len(sms_server.received) == 1


def test_gateway_busy_is_retried_with_back_off(sms_server: FakeGateway, closing: Made) -> None:
    sms_server.fail_with = [503, 429]
    waits: list[float] = []
    gateway = WebhookSms(f"{sms_server.base_url}/sms", retry_delays=(0.5, 2.0),
                         sleep=waits.append)
    closing.append(gateway)
    gateway.send_sms("+12015550123", "x")
    assert len(sms_server.received) == 3
    assert waits == [0.5, 2.0]


def test_gateway_down_is_retried_then_a_clear_error(closing: Made) -> None:
    waits: list[float] = []
    gateway = WebhookSms(f"http://127.0.0.1:{free_port()}/sms", retry_delays=(0.1, 0.2),
                         sleep=waits.append)
    closing.append(gateway)
    with pytest.raises(DeliveryError, match="unreachable"):
        gateway.send_sms("+12015550123", "x")
    assert waits == [0.1, 0.2]


def test_gateway_that_never_answers_times_out_without_retry(sms_server: FakeGateway,
                                                           closing: Made) -> None:
    sms_server.hang = True
    gateway = WebhookSms(f"{sms_server.base_url}/sms", timeout=0.2, retry_delays=NO_WAIT)
    closing.append(gateway)
    with pytest.raises(DeliveryError, match="ReadTimeout"):
        gateway.send_sms("+12015550123", "x")
    assert len(sms_server.received) == 1


def test_build_from_settings_and_the_text_holds_only_code_and_name() -> None:
    from secondlock.config import Settings

    settings = Settings(secret_key=TEST_SECRET, sms_provider="twilio",
                        twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN,
                        twilio_from="+15005550006", twilio_base_url="http://127.0.0.1:9")
    gateway = build_sms_gateway(settings)
    assert isinstance(gateway, TwilioSms)
    gateway.close()
    text = sms_text("012345", "Shop", 10)
    assert text.startswith("012345 is your Shop code.")
    assert "http" not in text
