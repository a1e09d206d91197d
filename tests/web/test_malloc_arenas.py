"""A worker limits its malloc arenas (web/malloc_arenas.py), unless the operator did."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from secondlock.web.malloc_arenas import limit_malloc_arenas

CHILD = "from secondlock.web.malloc_arenas import limit_malloc_arenas; " \
        "print(limit_malloc_arenas())"


def in_child(env: dict[str, str]) -> str:
    """In a process of its own: mallopt changes the whole process it runs in."""
    return subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_a_worker_on_glibc_limits_its_arenas() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    assert in_child(env) == "True"


def test_the_operators_own_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
    assert in_child(dict(os.environ)) == "False"
