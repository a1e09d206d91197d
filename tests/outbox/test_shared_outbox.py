"""Two server processes on one PostgreSQL database share the outbox: every row is sent once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from secondlock.config import Settings
from secondlock.core.clock import SystemClock
from secondlock.notifications.base import OutgoingEmail
from secondlock.services.outbox import queue_email
from tests.cli.test_serve import serving
from tests.conftest import TEST_SECRET
from tests.notifications.conftest import Inbox
from tests.outbox.conftest import build_rt

MESSAGES = 60


@pytest.mark.postgres
@pytest.mark.slow
def test_two_processes_send_every_row_once(pg_url: str, tmp_path: Path,
                                           server_env: dict[str, str],
                                           smtp_server: tuple[Inbox, int]) -> None:
    inbox, port = smtp_server
    env = {**server_env, "SECONDLOCK_DATABASE_URL": pg_url, "SECONDLOCK_SECRET_KEY": TEST_SECRET,
           "SECONDLOCK_SMTP_URL": f"smtp://127.0.0.1:{port}", "SECONDLOCK_SMS_PROVIDER": "off",
           "SECONDLOCK_LOG_FORMAT": "json"}
    rt = build_rt(Settings(data_dir=tmp_path, secret_key=TEST_SECRET, database_url=pg_url),
                  SystemClock())
    with serving(env, tmp_path / "a.log") as first, serving(env, tmp_path / "b.log") as second:
        # Written by a third party (as another node would): both servers find them by polling.
        with rt.db.write() as s:
            for n in range(MESSAGES):
                queue_email(rt, s, OutgoingEmail(to=f"n{n}@example.com", subject=f"m{n}",
                                                 text="hello", kind="test"))
            s.commit()
        inbox.wait(MESSAGES, timeout=60)
        first.stop()
        second.stop()
    rt.db.dispose()
    counts = Counter(str(m["Subject"]) for m in inbox.messages)
    assert len(counts) == MESSAGES
    assert set(counts.values()) == {1}, [k for k, v in counts.items() if v > 1]
    senders = [log.read_text(errors="replace").count("outbox sent")
               for log in (tmp_path / "a.log", tmp_path / "b.log")]
    assert sum(senders) == MESSAGES, senders
