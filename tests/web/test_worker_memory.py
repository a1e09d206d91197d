"""A worker's memory at start (issue #17): what it imports and what it builds.

Each check runs in a fresh interpreter, because this test process has imported most of
these libraries already (the test client alone brings httpx).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads the process's memory from /proc")

#: Libraries a worker loads only when it uses them: migrations (the CLI migrates, the app
#: never does), an SMS gateway / webhook / Pwned Passwords query (httpx, whose import also
#: loads its command line: rich, pygments), a security-key ceremony, a QR code.
LOADED_ON_USE = ("alembic", "mako", "httpx", "rich", "pygments", "webauthn", "cbor2",
                 "OpenSSL", "pyasn1", "segno")

BUILD_APP = """
import json, sys
from secondlock.config import load_settings
from secondlock.web.app import create_app
create_app(load_settings())
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""

#: What only a PostgreSQL deployment needs (its dialect is about 2 MiB, the drivers more).
POSTGRES_ONLY = ("psycopg", "asyncpg", "sqlalchemy.dialects.postgresql")
BUILD_APP_FULL_NAMES = """
import json, sys
from secondlock.config import load_settings
from secondlock.web.app import create_app
create_app(load_settings())
print(json.dumps(sorted(sys.modules)))
"""

LOAD_BLOCKLIST = """
import json
from secondlock.core.blocklist import PasswordBlocklist

def kib(key):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(key + ":"))

before = kib("VmRSS")
blocklist = PasswordBlocklist.load_default(min_length=8)
print(json.dumps({"entries": len(blocklist), "peak_kib": kib("VmHWM") - before}))
"""


def run_python(code: str, env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


@pytest.fixture
def app_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("SECONDLOCK_")}
    env.update(SECONDLOCK_DATA_DIR=str(tmp_path), SECONDLOCK_SECRET_KEY="k" * 64,
               SECONDLOCK_DATABASE_URL=f"sqlite:///{tmp_path / 'secondlock.db'}")
    return env


def test_a_new_app_leaves_rarely_used_libraries_unimported(app_env: dict[str, str]) -> None:
    imported = set(json.loads(run_python(BUILD_APP, app_env)))
    assert "secondlock" in imported
    assert sorted(imported.intersection(LOADED_ON_USE)) == []


def test_an_app_on_sqlite_loads_no_postgresql_driver_or_dialect(
        app_env: dict[str, str]) -> None:
    imported = json.loads(run_python(BUILD_APP_FULL_NAMES, app_env))
    assert [name for name in imported if name.startswith(POSTGRES_ONLY)] == []


def test_loading_the_blocklist_peaks_far_below_the_list_held_as_strings(
        app_env: dict[str, str]) -> None:
    # Read whole and sorted in one go, the list peaked ~43 MB above where it started;
    # streamed and sorted in chunks, ~8 MB.
    loaded = json.loads(run_python(LOAD_BLOCKLIST, app_env))
    assert loaded["entries"] > 100_000
    assert loaded["peak_kib"] < 20 * 1024
