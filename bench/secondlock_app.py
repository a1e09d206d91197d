"""uvicorn factory for the benchmark: SecondLock built from SECONDLOCK_* variables.

Used as ``uvicorn --factory --app-dir bench secondlock_app:create``.
"""

from __future__ import annotations

from fastapi import FastAPI

from secondlock.config import load_settings
from secondlock.web.app import create_app


def create() -> FastAPI:
    return create_app(load_settings())
