"""uvicorn factory for the benchmark: SecondLock built from SECONDLOCK_* variables.

Used as ``uvicorn --factory --app-dir bench secondlock_app:create``: the factory each
``secondlock serve`` worker calls (``web.asgi.create_app_from_env``), so the benchmark
measures the worker that production runs.
"""

from __future__ import annotations

from fastapi import FastAPI

from secondlock.web.asgi import create_app_from_env


def create() -> FastAPI:
    return create_app_from_env()
