"""The printed table and bench/RESULTS.md."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from inproc import LoginCost, Statements
from load import Result

MARKER = "<!-- results: newest first -->"
TARGET_RSS_MB = 150.0
#: Issue #17's targets: req/s as a share of the bare app's from the same rounds...
TARGET_RATIOS = {"GET /me": 0.50, "GET /me with 2FA": 0.30, "a-pg (PostgreSQL)": 0.25,
                 "a2-pg (PostgreSQL)": 0.25, "c (wrong TOTP code)": 0.10}
#: ... and server CPU ms per request.
TARGET_CPU_MS = {"c (wrong TOTP code)": 1.5, "r (refused sign-in)": 0.5}


@dataclass(frozen=True)
class Row:
    scenario: str
    rps: float
    p50_ms: float
    p99_ms: float
    ratio: float
    cpu_ms: float
    statuses: dict[int, int]
    spread: str = ""
    tags: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, result: Result, base: Result, spread: str = "") -> Row:
        return cls(result.scenario, result.rps, result.p50_ms, result.p99_ms,
                   result.rps / base.rps, result.cpu_ms_per_request, result.statuses, spread,
                   result.tags)

    @classmethod
    def single_threaded(cls, name: str, cost: LoginCost, base: Result) -> Row:
        """b2: requests/s that one core sustains at this CPU cost; p50 is the wall time."""
        return cls(name, cost.rps, cost.wall_ms, math.nan, cost.rps / base.rps, cost.cpu_ms,
                   dict(cost.statuses))


def status_mix(statuses: dict[int, int], tags: dict[str, int] | None = None) -> str:
    total = sum(statuses.values()) or 1
    mix = ", ".join(f"{code}: {count} ({100 * count / total:.1f}%)"
                    for code, count in sorted(statuses.items()))
    for tag, count in (tags or {}).items():
        mix += f"; body has `{tag}`: {count} ({100 * count / total:.1f}%)"
    return mix


def render(rows: list[Row], rss_marks: dict[str, int], rss_now_kb: int,
           statements: list[Statements], cost: LoginCost, held: dict[str, Row],
           notes: list[str] | None = None) -> str:
    """``held``: the rows held to TARGET_RATIOS and TARGET_CPU_MS, by their label there."""
    out = ["| scenario | req/s | p50 ms | p99 ms | ratio to bare | server CPU ms/req |",
           "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        p99 = "-" if math.isnan(r.p99_ms) else f"{r.p99_ms:.1f}"
        out.append(f"| {r.scenario} | {r.rps:.0f} | {r.p50_ms:.1f} | {p99} | {r.ratio:.3f} "
                   f"| {r.cpu_ms:.2f} |")
    out += ["", "Status mix (and req/s range over the alternating rounds):", ""]
    out += [f"- {r.scenario}: {status_mix(r.statuses, r.tags)}"
            + (f"; req/s range {r.spread}" if r.spread else "") for r in rows]
    if notes:
        out += ["", *notes]
    out += ["", f"b2 is measured in-process, one thread: its req/s is 1000 / CPU ms, its p50 the "
            f"wall ms per request; argon2id verify alone takes {cost.argon2_cpu_ms:.1f} ms CPU "
            f"({100 * cost.argon2_cpu_ms / cost.cpu_ms:.0f}% of it).",
            "", "SecondLock worker peak RSS (VmHWM) after each phase:", ""]
    out += [f"- {label}: {kb / 1024:.1f} MB" for label, kb in rss_marks.items()]
    out.append(f"- (resident now, VmRSS: {rss_now_kb / 1024:.1f} MB)")
    out += ["", "SQL statements per request (in-process; commits and rollbacks in brackets are "
            "not counted as statements):", ""]
    for s in statements:
        out.append(f"- {s.label}: {s.per_request:.2f} statements")
        out += [f"  {line.strip()}" for line in s.lines()]
    me_rss = rss_marks.get("after GET /me", 0) / 1024
    peak = max(rss_marks.values()) / 1024
    verdict = {True: "met", False: "MISSED"}
    targets = []
    for label, row in held.items():
        if label in TARGET_RATIOS:
            least = TARGET_RATIOS[label]
            targets.append(f"{label} ratio {row.ratio:.3f} (>= {least:.2f}): "
                           f"{verdict[row.ratio >= least]}")
        if label in TARGET_CPU_MS:
            most = TARGET_CPU_MS[label]
            targets.append(f"{label} {row.cpu_ms:.2f} ms CPU (<= {most:.2f}): "
                           f"{verdict[row.cpu_ms <= most]}")
    out += ["", "Targets (issue #17):", "", *(f"- {line}" for line in targets),
            f"- worker peak RSS {peak:.0f} MB after all runs, {me_rss:.0f} MB after GET /me "
            f"(< {TARGET_RSS_MB:.0f} MB): {verdict[peak < TARGET_RSS_MB]}"]
    return "\n".join(out)


def record(path: Path, table: str, about: str, load: str) -> None:
    """Insert a dated section under the marker, newest first."""
    text = path.read_text() if path.exists() else (
        "# Benchmark results\n\nWritten by `bench/run.py --record`; bench/README.md explains "
        f"the scenarios.\n\n{MARKER}\n")
    if MARKER not in text:
        text = text.rstrip() + f"\n\n{MARKER}\n"
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    head, tail = text.split(MARKER, 1)
    section = f"\n## {stamp}\n\nMachine: {about}\n\nLoad: {load}\n\n{table}\n"
    path.write_text(head + MARKER + "\n" + section + tail)
    print(f"recorded in {path}")
