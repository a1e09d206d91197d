"""``secondlock serve``: start the web service (uvicorn) after checking the setup."""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from secondlock import __version__
from secondlock.cli.app import (
    EXIT_USAGE,
    app,
    console,
    display_url,
    err_console,
    fail,
    settings_or_exit,
)
from secondlock.cli.database import prepare_schema
from secondlock.config import Settings, SettingsError, prepare_data_dir
from secondlock.web.asgi import APP_FACTORY

OUTBOX_PATH = "/dev/outbox"


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(
        min=1, max=64, help="Worker processes (they share the database).")] = 1,
) -> None:
    """Start the web service (migrates the embedded SQLite database first)."""
    settings = settings_or_exit()
    _check_port(host, port)
    schema = prepare_schema(settings)
    _metrics_dir(settings)
    if workers > 1:
        _check_that_the_app_builds()
    if settings.log_format == "json":
        import logging.config

        from secondlock.web.logs import json_log_config

        logging.config.dictConfig(json_log_config())
        logging.getLogger("secondlock.serve").info(
            "starting", extra={"version": __version__, "env": settings.env,
                               "listen": _listen_url(host, port), "workers": workers,
                               "origin": settings.origin, "schema": schema,
                               "database": display_url(settings.resolved_database_url)})
    else:
        _print_banner(settings, host=host, port=port, workers=workers, schema=schema)
    # The process that stays holds uvicorn and nothing of this command (#17): with several
    # workers it is a supervisor without an app; with one it is the worker, which builds its
    # app from the environment. Serving from this process kept the command's own imports
    # (Typer, Rich, Alembic from the migration: ~17 MB) in the one worker's memory.
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "secondlock.web.supervisor", host,  # noqa: S606
                              str(port), str(workers), settings.log_format])


def _check_that_the_app_builds() -> None:
    """Build one app in a short-lived child process, as a worker will, before starting
    several: a broken setup stops here with one traceback instead of uvicorn restarting
    crashing workers in a loop. The supervisor itself never builds an app, so it stays
    small (issue #17); with one worker, uvicorn builds the only app in this process and a
    broken setup ends it at once."""
    check = subprocess.run(  # noqa: S603 (our own interpreter and module, no input)
        [sys.executable, "-c", f"import {APP_FACTORY.split(':')[0]} as m; "
                               f"m.{APP_FACTORY.split(':')[1]}()"],
        capture_output=True, text=True, check=False)
    if check.returncode != 0:
        err_console.print(check.stderr.rstrip())
        fail("the app could not be built with these settings (the error is above)")


def _metrics_dir(settings: Settings) -> None:
    """Workers share their counters through prometheus-client's multiprocess files (#13);
    it reads the variable when first imported, so set it before any app is built."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    folder = settings.data_dir / "metrics"
    try:
        prepare_data_dir(settings.data_dir)
        folder.mkdir(mode=0o700, exist_ok=True)
    except SettingsError as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"SECONDLOCK_DATA_DIR: cannot create {folder} for metrics ({exc.strerror})")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder.resolve())


def _check_port(host: str, port: int) -> None:
    """Stop with one line, before the banner, when the port cannot be had (like uvicorn
    binds it: SO_REUSEADDR, so a port in TIME_WAIT after a restart still counts as free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                other = port + 1 if port < 65535 else port - 1
                fail(f"port {port} is in use: another SecondLock? try --port {other}")
            fail(f"cannot listen on {_listen_url(host, port)} "
                 f"({exc.strerror or type(exc).__name__})")


def _listen_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def _print_banner(settings: Settings, *, host: str, port: int, workers: int,
                  schema: str) -> None:
    origin = settings.origin
    processes = "1 worker" if workers == 1 else f"{workers} workers"
    lines = [
        f"[bold]SecondLock {__version__}[/] ({settings.env})",
        f"  Listening on   {_listen_url(host, port)}  ({processes})",
        f"  Public origin  {origin}  (links in mail, WebAuthn, OpenID Connect)",
        f"  Database       {escape(display_url(settings.resolved_database_url))}  ({schema})",
        f"  Data folder    {escape(str(settings.data_dir.resolve()))}",
    ]
    if settings.smtp_url is None:
        outbox = f"{origin}{OUTBOX_PATH}"
        lines.append(f"  Outbox         no SMTP configured: mail is printed on this console "
                     f"and kept at {outbox}")
        if workers > 1:
            lines.append("                 (each worker keeps its own page; the console shows all)")
    else:
        smtp = urlsplit(settings.smtp_url.get_secret_value())
        server = f"{smtp.scheme}://{smtp.hostname}" + (f":{smtp.port}" if smtp.port else "")
        lines.append(f"  Mail           {escape(server)}")
    parts = urlsplit(origin)
    origin_port = parts.port or (443 if parts.scheme == "https" else 80)
    if settings.origin_host in ("localhost", "127.0.0.1", "::1") and origin_port != port:
        lines.append(f"  [yellow]Note:[/] the public origin uses port {origin_port}, not {port}; "
                     f"set SECONDLOCK_ORIGIN=http://localhost:{port} unless a proxy forwards it.")
    lines.append("Stop with Ctrl+C.")
    for line in lines:
        console.print(line)
