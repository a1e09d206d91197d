"""Entry points for ASGI servers that import the app by name (uvicorn workers).

``secondlock serve`` runs ``uvicorn.run("secondlock.web.asgi:create_app_from_env",
factory=True, ...)``: every worker process calls the factory and builds its own app from the
environment. Nothing runs at import time.
"""

from __future__ import annotations

import copy
import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported when called: the supervisor process loads none of the app
    from fastapi import FastAPI

APP_FACTORY = "secondlock.web.asgi:create_app_from_env"


def create_app_from_env() -> FastAPI:
    """Build the app from ``SECONDLOCK_*`` variables (and ``SECONDLOCK_CONFIG_FILE``), in a
    worker process with its malloc arenas limited (``web.malloc_arenas``).

    Raises:
        SettingsError: a setting is missing or wrong (``secondlock serve`` checks first).
    """
    from secondlock.config import load_settings
    from secondlock.web.app import create_app
    from secondlock.web.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # a worker process's own setting, before any thread starts
    return create_app(load_settings())


class RedactQueryFilter(logging.Filter):
    """Drops the query string from access-log lines.

    Links in mail carry one-time tokens in the query (``/verify-email?token=...``); they must
    not end up in log files, which are kept longer and read by more people than the database.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access: (client_addr, method, full_path, http_version, status_code)
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (args[0], args[1], path, args[3], args[4])
        return True


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's default logging, or one JSON object per line (``SECONDLOCK_LOG_FORMAT=json``).

    The request lines come from the app (``web.logs.RequestObserver``, logger
    ``secondlock.access``), not from uvicorn's access log: ``secondlock serve`` turns that
    off. Should uvicorn's be on anyway, query strings are removed from it.
    """
    if log_format == "json":
        from secondlock.web.logs import json_log_config

        return json_log_config()
    import uvicorn.config

    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_query"] = {"()": f"{__name__}.RedactQueryFilter"}
    config["handlers"]["access"]["filters"] = ["redact_query"]
    config["formatters"]["request_line"] = {"()": "uvicorn.logging.DefaultFormatter",
                                            "fmt": "%(levelprefix)s %(message)s",
                                            "use_colors": False}
    config["handlers"]["request_line"] = {"formatter": "request_line",
                                          "class": "logging.StreamHandler",
                                          "stream": "ext://sys.stdout"}
    config["loggers"]["secondlock.access"] = {"handlers": ["request_line"], "level": "INFO",
                                              "propagate": False}
    return config
