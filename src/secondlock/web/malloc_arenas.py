"""Fewer malloc arenas in a worker process (#17).

glibc gives each thread that allocates an arena of its own, up to eight per core, and keeps
what each arena once held. A worker runs a thread pool (FastAPI's sync handlers, up to 40
threads) and a guessing flood fills it, so a worker grew by several MiB of arenas it never
gave back. Python allocates under the GIL, one thread at a time, so more arenas buy it
little. Each worker limits itself to ``ARENAS`` when it builds its app, before its pool
starts, unless the operator set ``MALLOC_ARENA_MAX`` (glibc has applied that already).
Elsewhere than glibc (musl, macOS) this does nothing.
"""

from __future__ import annotations

import ctypes
import os

ARENAS = 2
#: glibc's mallopt parameter number for the arena limit (malloc.h).
_M_ARENA_MAX = -8


def limit_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Limit this process's malloc arenas; whether the limit was set here."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library the process runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))
