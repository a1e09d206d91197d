"""Real mail over SMTP with aiosmtplib (``smtp://``, ``smtps://``, ``?starttls=1``)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from secondlock.notifications.base import DeliveryError, OutgoingEmail

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 10.0


class SmtpMailer:
    def __init__(self, url: str, mail_from: str, *,
                 timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SMTP URL must be smtp://host:port or smtps://host:port")
        query = parse_qs(parts.query)
        self._host = parts.hostname
        self._use_tls = parts.scheme == "smtps"
        self._port = parts.port or (465 if self._use_tls else 25)
        self._start_tls = query.get("starttls", ["0"])[0].lower() in ("1", "true", "yes")
        self._username = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._mail_from = mail_from
        self._timeout = timeout

    def build(self, message: OutgoingEmail) -> EmailMessage:
        mime = EmailMessage()
        mime["From"] = self._mail_from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime["Date"] = formatdate(localtime=False)
        mime["Message-ID"] = make_msgid(domain=self._mail_from.rsplit("@", 1)[-1].strip("> "))
        mime["Auto-Submitted"] = "auto-generated"
        for name, value in message.headers.items():
            mime[name] = value
        mime.set_content(message.text)
        if message.html:
            mime.add_alternative(message.html, subtype="html")
        return mime

    async def send(self, message: OutgoingEmail) -> None:
        try:
            await aiosmtplib.send(
                self.build(message), hostname=self._host, port=self._port,
                username=self._username, password=self._password, use_tls=self._use_tls,
                start_tls=self._start_tls if not self._use_tls else False,
                timeout=self._timeout,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            # Log the kind and the server, never the content: mails carry links and codes.
            logger.warning("mail delivery failed kind=%s host=%s error=%s",
                           message.kind, self._host, type(exc).__name__)
            raise DeliveryError(f"could not deliver mail via {self._host}: "
                                f"{type(exc).__name__}") from exc

    async def close(self) -> None:
        return None
