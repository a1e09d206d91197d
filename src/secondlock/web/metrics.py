"""``GET /metrics``: Prometheus text format, behind ``SECONDLOCK_METRICS_TOKEN``.

Counters and the request-duration histogram live in prometheus-client's multiprocess files
when ``PROMETHEUS_MULTIPROC_DIR`` is set (``secondlock serve`` sets it to
``<data dir>/metrics``): every worker writes its own file and any worker's answer adds all
of them up, also those of workers that restarted. Without it (tests, an app embedded in
another server) the figures are this process's own. prometheus-client reads that variable
when it is first imported, so it is imported here only when an app is built.

Gauges about state (outbox depth and age, SMS budget use, locks) are read from the database
at scrape time, so they are the same whichever worker answers.
"""

from __future__ import annotations

import asyncio
import bisect
import hmac
import os
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from secondlock.services.observability import snapshot
from secondlock.services.runtime import Runtime

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Second-factor methods and sign-in outcomes become label values only from these sets.
METHODS = {"pwd", "totp", "sms", "email", "recovery_code", "webauthn", "passkey",
           "trusted_device", "other"}


def multiprocess_dir() -> str | None:
    """The shared folder, when prometheus-client really runs in multiprocess mode (it
    decided so when first imported; a variable set later changes nothing)."""
    from prometheus_client import values

    if values.ValueClass is values.MutexValue:
        return None
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    def __init__(self, rt: Runtime) -> None:
        from prometheus_client import CollectorRegistry, Counter, Histogram

        self.rt = rt
        self.multiprocess = multiprocess_dir() is not None
        # In multiprocess mode the values live in files; the objects need no registry.
        self.registry: Any = None if self.multiprocess else CollectorRegistry(auto_describe=True)
        reg = self.registry
        self.sign_ins = Counter("secondlock_sign_ins", "Sign-in attempts by outcome and method",
                                ["outcome", "method"], registry=reg)
        self.second_factor_failures = Counter(
            "secondlock_second_factor_failures", "Wrong second-factor codes and keys",
            ["method"], registry=reg)
        self.locks = Counter("secondlock_locks", "Failure counters that locked, by kind",
                             ["kind"], registry=reg)
        self.messages = Counter("secondlock_messages",
                                "Outbox delivery attempts by channel and outcome "
                                "(sent, retry, failed, dropped)",
                                ["channel", "outcome"], registry=reg)
        self.request_duration = Histogram(
            "secondlock_http_request_duration_seconds", "Time to answer an HTTP request",
            registry=reg)
        self.request_times = LocalHistogram(self.request_duration)
        #: Labelled children looked up once: ``labels()`` costs more than ``inc()`` (#17).
        #: The label values come from short fixed sets, so this stays small.
        self._children: dict[tuple[int, tuple[str, ...]], Any] = {}

    def _count(self, metric: Any, *values: str) -> None:
        """``metric.labels(*values).inc()``, the child kept."""
        key = (id(metric), values)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, metric.labels(*values))
        child.inc()

    # -- events ----------------------------------------------------------------------------
    def on_signals(self, signals: list[tuple[str, dict[str, str]]]) -> None:
        for name, labels in signals:
            if name == "lock":
                self._count(self.locks, labels.get("kind", "other"))
                continue
            if name == "refused":  # a sign-in refused by a lock (no activity row of its own)
                if labels.get("kind", "").startswith("login_"):
                    self._count(self.sign_ins, "throttled", "pwd")
                continue
            if name != "activity":
                continue
            event, method = labels.get("event", ""), labels.get("method", "") or "other"
            method = method if method in METHODS else "other"
            ok = bool(labels.get("success"))
            if event == "login":
                reason = labels.get("reason", "")
                if reason == "throttled":
                    continue  # a summary of refused attempts, each counted when refused
                outcome = "success" if ok else ("throttled" if reason == "locked" else "failure")
                self._count(self.sign_ins, outcome, method)
            elif event == "login_password" and ok:
                self._count(self.sign_ins, "second_step_required", "pwd")
            elif event == "login_second_step" and not ok:
                self._count(self.second_factor_failures, method)

    def on_message(self, channel: str, outcome: str) -> None:
        self.messages.labels(channel=channel, outcome=outcome).inc()

    # -- exposition ------------------------------------------------------------------------
    async def flush_every(self, seconds: float = 1.0) -> None:
        """Run in the app's lifespan: this worker's request times reach the shared files
        within a second, so any worker's scrape shows them."""
        try:
            while True:
                await asyncio.sleep(seconds)
                self.request_times.flush()
        finally:
            self.request_times.flush()

    def render(self) -> bytes:
        from prometheus_client import CollectorRegistry, generate_latest, multiprocess

        self.request_times.flush()

        if self.multiprocess:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = CollectorRegistry()
            registry.register(_Forward(self.registry))
        registry.register(_StateCollector(self.rt))
        data: bytes = generate_latest(registry)
        return data



class LocalHistogram:
    """Observations counted in plain Python first and added to the prometheus histogram in
    batches (``flush``): a multiprocess-mode ``observe`` writes its memory-mapped file under
    a lock each time, several microseconds a request on the hot path."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.bounds: list[float] = list(target._upper_bounds)
        self.counts = [0] * len(self.bounds)
        self.sum = 0.0
        self._lock = threading.Lock()

    def observe(self, seconds: float) -> None:
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.sum += seconds

    def flush(self) -> None:
        with self._lock:
            counts, self.counts = self.counts, [0] * len(self.bounds)
            total, self.sum = self.sum, 0.0
            if not any(counts):
                return
            # prometheus_client's own per-bucket values (stable for years; observe() does
            # the same one observation at a time).
            buckets = self.target._buckets
            for index, count in enumerate(counts):
                if count:
                    buckets[index].inc(count)
            self.target._sum.inc(total)


class _Forward:
    """Collects another registry's metrics (the app's own, single-process)."""

    def __init__(self, registry: Any) -> None:
        self._registry = registry

    def collect(self) -> Iterator[Metric]:
        yield from self._registry.collect()


class _StateCollector:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import GaugeMetricFamily

        data = snapshot(self.rt)
        pending = GaugeMetricFamily("secondlock_outbox_pending",
                                    "Messages waiting to be sent", labels=["channel"])
        failed = GaugeMetricFamily("secondlock_outbox_failed",
                                   "Messages given up on (secondlock outbox retry)",
                                   labels=["channel"])
        oldest = GaugeMetricFamily("secondlock_outbox_oldest_pending_seconds",
                                   "Age of the oldest message waiting", labels=["channel"])
        for entry in data.outbox:
            pending.add_metric([entry.channel], entry.pending)
            failed.add_metric([entry.channel], entry.failed)
            oldest.add_metric([entry.channel], data.oldest_age.get(entry.channel, 0.0))
        yield pending
        yield failed
        yield oldest
        yield GaugeMetricFamily("secondlock_sms_sent_last_hour",
                                "Text messages sent in the last hour (all accounts)",
                                value=data.sms_last_hour)
        yield GaugeMetricFamily("secondlock_sms_budget_per_hour",
                                "SECONDLOCK_SMS_BUDGET_GLOBAL_HOUR: the circuit breaker's limit",
                                value=data.sms_budget_hour)
        locked = GaugeMetricFamily("secondlock_locked", "Failure counters locked right now",
                                   labels=["kind"])
        for kind, count in sorted(data.locked.items()):
            locked.add_metric([kind], count)
        yield locked


def router(metrics: Metrics, token: str | None) -> APIRouter:
    routes = APIRouter(include_in_schema=False)

    @routes.get("/metrics")
    def scrape(request: Request) -> Response:
        if token is None:
            return Response(status_code=404)
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
        return Response(metrics.render(),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    return routes
