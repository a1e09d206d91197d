"""Webhook deliveries per Standard Webhooks, signed with the ``standardwebhooks`` package.

One POST per attempt: the stored JSON body as it is, the ``webhook-id`` (the same on every
retry), a fresh ``webhook-timestamp`` and the ``webhook-signature``. Any 2xx is a success;
anything else, a timeout or no connection raises ``DeliveryError`` (retried later). Logs name
the host and the error, never the body or the secret.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from standardwebhooks import Webhook

from secondlock import __version__
from secondlock.notifications.base import DeliveryError

if TYPE_CHECKING:
    import httpx

# httpx is imported where it is used: with its command line (rich, pygments, click) it adds
# ~6 MB to every worker, and most never send a text, a webhook or a Pwned Passwords query (#17).

logger = logging.getLogger(__name__)


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint_url(url: str) -> str:
    """The URL as it will be used; ValueError unless https (or http to a loopback host)."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a webhook URL must look like https://shop.example.com/hooks")
    if parts.username or parts.password:
        raise ValueError("a webhook URL must not carry a user name or password")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise ValueError("a webhook URL must use https:// (http:// only for localhost)")
    if parts.fragment:
        raise ValueError("a webhook URL must not have a #fragment")
    return url


class WebhookSender:
    def __init__(self, *, timeout: float = 10.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def _http(self) -> httpx.AsyncClient:
        import httpx

        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self._timeout), transport=self._transport,
                follow_redirects=False, headers={"user-agent": f"SecondLock/{__version__}"})
        return self._client

    async def send(self, *, url: str, secret: str, message_id: str, body: str,
                   now: datetime) -> None:
        import httpx

        signature = Webhook(secret).sign(message_id, now, body)
        headers = {"content-type": "application/json", "webhook-id": message_id,
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": signature}
        host = urlsplit(url).hostname or "?"
        try:
            response = await self._http().post(url, content=body.encode("utf-8"),
                                               headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"webhook {host}: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"webhook {host} answered {response.status_code}")

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
