"""SMS gateways behind one small protocol: the dev outbox, a JSON webhook, and Twilio.

Sending is synchronous (services run in worker threads) so the shopper hears at once when a
code could not be sent. httpx with short timeouts; a retry with back-off only where it
cannot send a text twice: the connection was never made, or the gateway said "not now"
(429/503) before accepting the message. A read timeout or another 5xx may have sent it, so
it is not retried. Logs name the gateway and the error, never the number or the text.
"""

from __future__ import annotations

import base64
import logging
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol, TextIO
from urllib.parse import urlsplit

from secondlock.config import Settings
from secondlock.core.i18n import DEFAULT_LANGUAGE, nmsg
from secondlock.notifications.base import DeliveryError
from secondlock.translations import translate

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: with its command line (rich, pygments, click) it adds
# ~6 MB to every worker, and most never send a text, a webhook or a Pwned Passwords query (#17).

logger = logging.getLogger(__name__)

DEFAULT_RETRY_DELAYS = (0.5, 2.0)
#: Statuses that mean "not accepted, try later": safe to retry.
RETRYABLE_STATUS = {429, 503}


class SmsGateway(Protocol):
    """Delivers one text message or raises ``DeliveryError`` (sync, from worker threads)."""

    name: str

    def send_sms(self, to: str, body: str) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class SentSms:
    at: datetime
    to: str
    body: str


class OutboxSms:
    """Development: prints each text to the console and keeps the latest for /dev/outbox."""

    name = "outbox"

    def __init__(self, *, keep: int = 50, stream: TextIO | None = None,
                 echo: bool = True) -> None:
        self.messages: deque[SentSms] = deque(maxlen=keep)
        self._stream = stream
        self._echo = echo
        #: Like ``OutboxMailer.before_read``: deliver what the database outbox holds first.
        self.before_read: Callable[[], None] | None = None

    def send_sms(self, to: str, body: str) -> None:
        self.messages.appendleft(SentSms(at=datetime.now(UTC), to=to, body=body))
        if self._echo:
            stream = self._stream or sys.stderr
            # Development only (production refuses the outbox): showing the text is the point.
            stream.write(f"\n--- outbox: text message to {to}\n{body}\n--- end of text\n")
            stream.flush()

    def latest(self) -> list[SentSms]:
        if self.before_read is not None:
            self.before_read()
        return list(self.messages)

    def close(self) -> None:
        return None


class DisabledSms:
    """SMS switched off by the operator (``SECONDLOCK_SMS_PROVIDER=off``)."""

    name = "off"

    def send_sms(self, to: str, body: str) -> None:
        raise DeliveryError("SMS is switched off on this server")

    def close(self) -> None:
        return None


class _HttpGateway:
    name = "http"

    def __init__(self, *, timeout: float, retry_delays: tuple[float, ...],
                 transport: httpx.BaseTransport | None,
                 sleep: Callable[[float], None]) -> None:
        import httpx

        # No kept-alive connections: texts are rare, and a gateway that drops an idle
        # connection must never leave a half-closed socket behind.
        self._client = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                    follow_redirects=False,
                                    limits=httpx.Limits(max_keepalive_connections=0))
        self._delays = retry_delays
        self._sleep = sleep

    def _post(self, url: str, **kwargs: object) -> httpx.Response:
        import httpx

        host = urlsplit(url).hostname or "?"
        for attempt in range(len(self._delays) + 1):
            retry = attempt < len(self._delays)
            try:
                response = self._client.post(url, **kwargs)  # type: ignore[arg-type]
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Never connected: nothing was sent, so trying again is safe.
                logger.warning("sms gateway=%s host=%s unreachable error=%s attempt=%d",
                               self.name, host, type(exc).__name__, attempt + 1)
                if retry:
                    self._sleep(self._delays[attempt])
                    continue
                raise DeliveryError(f"SMS gateway {host} unreachable") from exc
            except httpx.HTTPError as exc:
                # A timeout after connecting may have sent the text: no retry, no duplicate.
                logger.warning("sms gateway=%s host=%s failed error=%s", self.name, host,
                               type(exc).__name__)
                raise DeliveryError(f"SMS gateway {host} failed: {type(exc).__name__}") from exc
            if response.status_code in RETRYABLE_STATUS and retry:
                logger.warning("sms gateway=%s host=%s busy status=%d attempt=%d", self.name,
                               host, response.status_code, attempt + 1)
                self._sleep(self._delays[attempt])
                continue
            if response.status_code >= 300:
                logger.error("sms gateway=%s host=%s refused status=%d", self.name, host,
                             response.status_code)
                raise DeliveryError(f"SMS gateway {host} answered {response.status_code}")
            return response
        raise DeliveryError(f"SMS gateway {host} kept refusing")  # pragma: no cover

    def close(self) -> None:
        self._client.close()


class WebhookSms(_HttpGateway):
    """POSTs ``{"to": "+E164", "body": "..."}`` as JSON, with an optional auth header."""

    name = "webhook"

    def __init__(self, url: str, *, auth: str | None = None, timeout: float = 5.0,
                 retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(timeout=timeout, retry_delays=retry_delays, transport=transport,
                         sleep=sleep)
        self._url = url
        self._headers = {"Authorization": _auth_header(auth)} if auth else {}

    def send_sms(self, to: str, body: str) -> None:
        self._post(self._url, json={"to": to, "body": body}, headers=self._headers)


class TwilioSms(_HttpGateway):
    """Twilio's Messages API: ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (form)."""

    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, sender: str,
                 base_url: str = "https://api.twilio.com", timeout: float = 5.0,
                 retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__(timeout=timeout, retry_delays=retry_delays, transport=transport,
                         sleep=sleep)
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = (account_sid, auth_token)
        # A Messaging Service SID ("MG...") instead of a sender number is allowed.
        self._sender = ("MessagingServiceSid", sender) if sender.startswith("MG") \
            else ("From", sender)

    def send_sms(self, to: str, body: str) -> None:
        self._post(self._url, data={"To": to, self._sender[0]: self._sender[1], "Body": body},
                   auth=self._auth)


def _auth_header(auth: str) -> str:
    if auth.startswith("Basic ") and ":" in auth:
        raw = auth.removeprefix("Basic ")
        return "Basic " + base64.b64encode(raw.encode("utf-8")).decode("ascii")
    return auth


def build_sms_gateway(settings: Settings) -> SmsGateway:
    """The gateway ``SECONDLOCK_SMS_PROVIDER`` names (settings validated its options)."""
    provider = settings.resolved_sms_provider
    timeout = settings.sms_timeout_seconds
    if provider == "webhook":
        auth = settings.sms_webhook_auth.get_secret_value() if settings.sms_webhook_auth \
            else None
        return WebhookSms(settings.sms_webhook_url, auth=auth, timeout=timeout)
    if provider == "twilio":
        assert settings.twilio_auth_token is not None
        return TwilioSms(account_sid=settings.twilio_account_sid,
                         auth_token=settings.twilio_auth_token.get_secret_value(),
                         sender=settings.twilio_from, base_url=settings.twilio_base_url,
                         timeout=timeout)
    if provider == "outbox":
        return OutboxSms()
    return DisabledSms()


def sms_text(code: str, service_name: str, minutes: int,
             language: str = DEFAULT_LANGUAGE) -> str:
    """The text message: the code and the service name, nothing else to phish with."""
    return str(translate(nmsg("%(code)s is your %(service)s code. It expires in %(n)d "
                              "minute. Never share it, not even with %(service)s support.",
                              "%(code)s is your %(service)s code. It expires in %(n)d "
                              "minutes. Never share it, not even with %(service)s support.",
                              minutes, code=code, service=service_name), language))
