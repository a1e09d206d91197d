"""GET /api/v1/me with and without the request-duration histogram and the request id (#13).

``.venv/bin/python bench/me_metrics.py [-n 3000] [--rounds 7]`` builds the app twice over one
database (the second with ``RequestObserver`` taken out), then
measures CPU microseconds per in-process call of each, alternating over the rounds, and prints
the medians. prometheus-client runs in multiprocess mode, as under ``secondlock serve``.
CPU time, in-process: far less noisy than wrk on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path
from typing import cast


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="secondlock-me-metrics-") as tmp:
        # Before prometheus-client is first imported, like serve does.
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(tmp) / "metrics")
        (Path(tmp) / "metrics").mkdir()
        from profile_me import asgi_caller, async_cpu_us
        from seed import EMAIL, PASSWORD, migrate, settings_for

        from secondlock.core.request_info import RequestInfo
        from secondlock.notifications.outbox import OutboxMailer
        from secondlock.web.api.me import me
        from secondlock.web.app import create_app
        from secondlock.web.hot_path import HotPathApp
        from secondlock.web.logs import RequestObserver

        settings = settings_for(Path(tmp))
        migrate(settings)
        with_metrics = create_app(settings, mailer=OutboxMailer(echo=False))
        without = create_app(settings, mailer=OutboxMailer(echo=False))
        without.user_middleware = [m for m in without.user_middleware
                                   if cast(object, m.cls) is not RequestObserver]
        # GET /me takes the hot path (web/hot_path.py): give it the same layers.
        assert isinstance(without, HotPathApp)
        without.take_hot_path("/api/v1/me", me, [(cast(type, m.cls), dict(m.kwargs))
                                                 for m in reversed(without.user_middleware)])
        services = with_metrics.state.services
        info = RequestInfo.of("127.0.0.1", "bench")
        services.accounts.sign_up(EMAIL, PASSWORD, info, send_welcome=False)
        token = services.login.login(EMAIL, PASSWORD, info).session.token
        headers = [(b"authorization", f"Bearer {token}".encode())]
        loop = asyncio.new_event_loop()
        calls = {"with": asgi_caller(with_metrics, "/api/v1/me", headers),
                 "without": asgi_caller(without, "/api/v1/me", headers)}
        for call in calls.values():  # warm up
            async_cpu_us(loop, call, 200)
        figures: dict[str, list[float]] = {name: [] for name in calls}
        order = list(calls)
        for _ in range(args.rounds):
            for name in order:  # each goes first every other round: no order bias
                figures[name].append(async_cpu_us(loop, calls[name], args.n))
            order.reverse()
        loop.close()
        a, b = statistics.median(figures["with"]), statistics.median(figures["without"])
        print(f"GET /api/v1/me, CPU us per call (median of {args.rounds} x {args.n}):")
        print(f"  without the histogram and request id: {b:7.1f}")
        print(f"  with both (as shipped):               {a:7.1f}  ({100 * (a - b) / b:+.1f}%)")
        spread = statistics.pstdev(figures["without"]) / b * 100
        print(f"  round-to-round spread without: {spread:.1f}%")
        services.rt.db.dispose()


if __name__ == "__main__":
    main()
