"""``/metrics`` from ``secondlock serve --workers 2``: the same figures whichever worker
answers, parsed with prometheus_client's own parser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.cli.test_serve import serving
from tests.conftest import PASSWORD

TOKEN = "scrape-token-4c1d9e"


def counters(text: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(("secondlock_sign_ins_total",
                                       "secondlock_outbox_pending")):
                key = sample.name + repr(sorted(sample.labels.items()))
                found[key] = sample.value
    return found


def workers(folder: Path) -> set[str]:
    return {f.stem.rsplit("_", 1)[-1] for f in folder.glob("histogram_*.db")}


@pytest.mark.slow
def test_two_workers_answer_the_same_figures(server_env: dict[str, str],
                                             tmp_path: Path) -> None:
    env = {**server_env, "SECONDLOCK_METRICS_TOKEN": TOKEN}
    folder = Path(env["SECONDLOCK_DATA_DIR"]) / "metrics"
    with serving(env, tmp_path / "serve.log", "--workers", "2") as server:
        for _ in range(500):  # until both workers answered something (fresh connections)
            httpx.get(f"{server.url}/healthz", timeout=10)
            if len(workers(folder)) >= 2:
                break
        assert httpx.post(f"{server.url}/api/v1/accounts", timeout=10,
                          json={"email": "w@example.com", "password": PASSWORD}
                          ).status_code == 201
        for attempt in range(8):
            password = PASSWORD if attempt % 2 else "not the password"
            # A fresh connection each time, so the requests spread over both workers.
            httpx.post(f"{server.url}/api/v1/login", timeout=10,
                       json={"email": "w@example.com", "password": password})
        answers = []
        for _ in range(12):
            scraped = httpx.get(f"{server.url}/metrics", timeout=10,
                                headers={"Authorization": f"Bearer {TOKEN}"})
            assert scraped.status_code == 200, scraped.text
            answers.append(counters(scraped.text))
        assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 401
        server.stop()
    assert len(workers(folder)) >= 2  # both workers answered requests
    assert all(answer == answers[0] for answer in answers)
    success = "secondlock_sign_ins_total[('method', 'pwd'), ('outcome', 'success')]"
    failure = "secondlock_sign_ins_total[('method', 'pwd'), ('outcome', 'failure')]"
    assert answers[0][success] == 4
    assert answers[0][failure] == 4
