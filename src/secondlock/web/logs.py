"""Structured logs (``SECONDLOCK_LOG_FORMAT=json``) and the request id.

Every request gets an id: the ``X-Request-ID`` a trusted proxy (SECONDLOCK_TRUSTED_PROXIES)
sent, or a new one. It goes back as the ``X-Request-ID`` response header and into every log
line written while the request runs, with the account id once the session is known.

In JSON mode each line is one object: ``time``, ``level``, ``logger``, ``event`` (the
message), ``request_id`` and ``account_id`` where known, and for the request line
``method``, ``path`` (never the query string: mail links carry tokens), ``status`` and
``duration_ms``. Messages never carry secrets by design; as a second guard, anything that
looks like a token parameter, a bearer token or a webhook secret is masked.
"""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from secondlock.core import log_context
from secondlock.core.network import IPNetwork, is_trusted_peer

REQUEST_ID_HEADER = b"x-request-id"
#: Where the request id waits in the ASGI scope for the response headers.
REQUEST_ID_KEY = "secondlock.request_id"
#: Request ids: a random prefix per process and a counter (unique, and far cheaper than a
#: uuid4 per request; an id is a label for logs, not a secret).
_PREFIX = secrets.token_hex(8)
_COUNTER = itertools.count(1)
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_SECRETS = re.compile(
    r"(?i)((?:token|code|secret|password|key)=)[^&\s\"']+|(bearer\s+)[\w.~+/=-]+|whsec_[\w+/=]+")
access_logger = logging.getLogger("secondlock.access")


def _mask(match: re.Match[str]) -> str:
    prefix = match.group(1) or match.group(2)
    return f"{prefix}[redacted]" if prefix else "whsec_[redacted]"


def scrub(text: str) -> str:
    return _SECRETS.sub(_mask, text)


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    #: LogRecord attributes that are not extra fields.
    _STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
        "message", "asctime", "color_message"}

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": scrub(record.getMessage()),
        }
        context = log_context.current()
        if context:
            line.update(context)
        for key, value in vars(record).items():
            if key not in self._STANDARD and not key.startswith("_"):
                line[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, default=str, ensure_ascii=False)


def json_log_config() -> dict[str, Any]:
    """uvicorn's ``log_config`` for JSON: our formatter everywhere; our own request line
    replaces uvicorn's access log (it knows the request id and drops the query)."""
    handler = {"class": "logging.StreamHandler", "formatter": "json",
               "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {"default": handler},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "secondlock": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


class RequestObserver:
    """Pure ASGI, outermost: the request id (log context, ``scope``; the security-headers
    middleware puts it on the answer), the request's duration into the histogram and one
    access-log line per request (``log_requests``: ``json``, ``text`` or ``off``,
    SECONDLOCK_ACCESS_LOG and SECONDLOCK_LOG_FORMAT). One layer for all three: each layer
    costs microseconds on the hot path.

    The text line looks like uvicorn's (``1.2.3.4:5 - "GET /path HTTP/1.1" 200``) but is one
    f-string handed to the logger, never the query string (mail links carry tokens), and
    costs a few microseconds where uvicorn's access formatter took about fifty."""

    def __init__(self, app: ASGIApp, *, trusted_proxies: Sequence[IPNetwork],
                 log_requests: str, observe: Callable[[float], None]) -> None:
        self.app = app
        self.trusted = tuple(trusted_proxies)
        self.log_requests = log_requests if log_requests in ("json", "text") else ""
        self.observe = observe

    def request_id(self, scope: Scope) -> str:
        """A trusted proxy's ``X-Request-ID`` when it is safe to log, else a new id."""
        if self.trusted:
            client = scope.get("client")
            if is_trusted_peer(client[0] if client else None, self.trusted):
                for name, value in scope.get("headers", ()):
                    if name == REQUEST_ID_HEADER:
                        text: str = value.decode("latin-1").strip()
                        if _SAFE_ID.match(text):
                            return text
                        break
        return f"{_PREFIX}{next(_COUNTER):08x}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = self.begin(scope)
        if not self.log_requests:
            try:
                await self.app(scope, receive, send)
            finally:
                self.observe(time.perf_counter() - started)
            return
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self.end(scope, status, started)

    def begin(self, scope: Scope) -> float:
        """Give the request its id (scope and log context); the time it started."""
        request_id = self.request_id(scope)
        scope[REQUEST_ID_KEY] = request_id
        log_context.begin(request_id)
        return time.perf_counter()

    def end(self, scope: Scope, status: int, started: float) -> None:
        """The request's duration into the histogram, and its access-log line."""
        elapsed = time.perf_counter() - started
        self.observe(elapsed)
        if self.log_requests == "text":
            _text_line(scope, status)
        elif self.log_requests:
            access_logger.info(
                "%s %s %d", scope["method"], scope["path"], status,
                extra={"method": scope["method"], "path": scope["path"], "status": status,
                       "duration_ms": round(elapsed * 1000, 2)})


def _text_line(scope: Scope, status: int) -> None:
    if not access_logger.isEnabledFor(logging.INFO):
        return
    client = scope.get("client")
    peer = f"{client[0]}:{client[1]}" if client else "-"
    access_logger.info(f'{peer} - "{scope["method"]} {scope["path"]} '
                       f'HTTP/{scope.get("http_version", "1.1")}" {status}')
