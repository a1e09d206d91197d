"""Issue 12 items 2 and 15: the data folder and the SQLite files are the owner's alone.

The folder is created 0700 and ``secondlock.db``, ``-wal`` and ``-shm`` 0600; a folder other
users can open, or a file in its place, stops every command with one line saying what to do.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from secondlock.storage.db import Database
from tests.cli.conftest import Invoke

SECONDLOCK = Path(sys.executable).with_name("secondlock")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    """A newcomer's shell: files are created 0644 and folders 0755 unless asked otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_fresh_data_dir_and_the_database_files_are_private(invoke: Invoke,
                                                             sqlite_env: dict[str, str]) -> None:
    data = Path(sqlite_env["SECONDLOCK_DATA_DIR"])
    result = invoke("migrate", env=sqlite_env)
    assert result.exit_code == 0, result.output
    db = Database(f"sqlite:///{data / 'secondlock.db'}")
    try:
        with db.write() as s:  # a write in WAL mode creates -wal and -shm
            s.execute(text("CREATE TABLE probe (x INTEGER)"))
            s.commit()
        files = {p.name: mode(p) for p in data.iterdir()}
    finally:
        db.dispose()
    assert mode(data) == 0o700
    assert {"secondlock.db", "secondlock.db-wal", "secondlock.db-shm", "secret.key"} <= set(files)
    assert all(m == 0o600 for m in files.values()), files


def test_database_files_an_older_version_left_readable_are_tightened(
        invoke: Invoke, sqlite_env: dict[str, str]) -> None:
    data = Path(sqlite_env["SECONDLOCK_DATA_DIR"])
    data.mkdir(mode=0o700)
    assert invoke("migrate", env=sqlite_env).exit_code == 0
    (data / "secondlock.db").chmod(0o644)
    result = invoke("migrate", env=sqlite_env)
    assert result.exit_code == 0, result.output
    assert mode(data / "secondlock.db") == 0o600


@pytest.mark.parametrize("folder_mode", [0o755, 0o750, 0o701])
def test_a_data_dir_other_users_can_open_is_refused_with_a_fix(
        invoke: Invoke, sqlite_env: dict[str, str], folder_mode: int) -> None:
    data = Path(sqlite_env["SECONDLOCK_DATA_DIR"])
    data.mkdir()
    data.chmod(folder_mode)
    result = invoke("migrate", env=sqlite_env)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines == [f"Error: SECONDLOCK_DATA_DIR: {data} is open to other users "
                     f"(mode {folder_mode:o}); run: chmod 700 {data}"]
    assert not (data / "secondlock.db").exists()
    data.chmod(0o700)
    assert invoke("migrate", env=sqlite_env).exit_code == 0


def test_serve_on_a_data_dir_that_is_a_file_says_so_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.write_text("not a folder\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SECONDLOCK_")}
    env["SECONDLOCK_DATA_DIR"] = str(data)
    done = subprocess.run([str(SECONDLOCK), "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        f"Error: SECONDLOCK_DATA_DIR: {data} is a file, not a folder; move it away or set "
        "SECONDLOCK_DATA_DIR to a folder"]
