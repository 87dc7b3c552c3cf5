"""Benchmark Cadence (issue 7): `uv run python -m benchmarks.run [--quick] [--only NAMES]`.

acks    1+5  ack latency of signed requests, Cadence vs a bare bolt app (separate processes),
             and Cadence's resident memory after start and after the load
storm   2    vote storm: 500 people vote on one governance thread within about 5 s
fanout  3    reminder fan-out: DMs due at once against the rate-limited fake Slack
history 4    hot-path latency with small vs large history (bulk-seeded databases)
capacity 6   the production server (gunicorn): request rate sustained with ack p99 < 300 ms,
             Cadence vs a bare bolt app, 1 and 2 worker processes; Cadence at 100 requests/s
export  7    peak memory of `cadence-bot export` of 10,000 and 1,000,000 rows (child process)
pacing       posts to one channel against Slack's 1/s per channel, and what a 429 costs
commands     the earlier suite: /cadence help, /owner, /cadence map, outbox throughput

Prints a table of figures with PASS/FAIL against the targets and writes them as JSON to
benchmarks/results/latest.json. SQLite in temporary directories unless --database-url names a
PostgreSQL server (throwaway databases are created on it).
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from benchmarks import acks, capacity, commands, exports, fanout, history, pacing, storm
from benchmarks.harness import scratch_database
from benchmarks.report import RESULTS, Report
from storage.db import make_engine
from storage.migrate import upgrade

RSS_TARGET_MB = 150.0
ALL = ("acks", "storm", "fanout", "history", "capacity", "pacing", "export", "commands")


@dataclass(frozen=True)
class Sizes:
    """How big each benchmark is."""

    requests: int
    dms: int
    history: tuple[int, int]
    history_runs: int
    step_seconds: float  # how long benchmark 6 holds each rate
    bisections: int
    paced_posts: int
    export_rows: tuple[int, int]  # benchmark 7: a small and a large export


FULL = Sizes(requests=2000, dms=2000, history=(10_000, 1_000_000), history_runs=40,
             step_seconds=8.0, bisections=2, paced_posts=120,
             export_rows=(10_000, 1_000_000))  # fmt: skip
QUICK = Sizes(requests=300, dms=300, history=(1_000, 100_000), history_runs=20,
              step_seconds=4.0, bisections=1, paced_posts=30,
              export_rows=(10_000, 100_000))  # fmt: skip


class LogTally(logging.Handler):
    """Counts warnings and errors logged in this process, keeping the first few to show."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.samples: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Count one record; remember it if it is among the first five."""
        self.counts[record.levelname] += 1
        if len(self.samples) < 5:
            line = f"{record.levelname} {record.name}: {record.getMessage()[:200]}"
            if record.exc_info and record.exc_info[1] is not None:
                frames = traceback.extract_tb(record.exc_info[2])
                where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
                line += f" [{type(record.exc_info[1]).__name__}{where}]"
            self.samples.append(line)


def bench_acks(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Benchmarks 1 and 5."""
    run = acks.run_acks(sizes.requests, database_url=database_url)
    name, c, b = "1 ack latency", run.cadence, run.bare
    mix = ", ".join(run.mix)
    print(f"[1] {run.requests} signed requests per app, {acks.CLIENTS} clients; mix: {mix}")
    for label, lat in (("cadence", c), ("bare bolt", b)):
        print(
            f"    {label:<10} p50 {lat.p(50):6.1f}  p95 {lat.p(95):6.1f}  p99 {lat.p(99):6.1f} ms"
            f"  errors {len(lat.errors)}" + (f"  e.g. {lat.errors[0]}" if lat.errors else "")
        )
    for kind in acks.request_mix():
        for label, lat in (("cadence", c), ("bare bolt", b)):
            print(
                f"      {kind.name:<14} {label:<10} p50 {lat.p(50, kind.name):6.1f}  "
                f"p95 {lat.p(95, kind.name):6.1f}  p99 {lat.p(99, kind.name):6.1f} ms"
            )
    p99 = c.p(99)
    for kind in acks.request_mix():
        k = kind.name
        report.add(name, f"{k}: cadence p50/p95/p99", c.p(99, k), unit="ms", target="< 150",
                   ok=c.p(99, k) < acks.P99_TARGET_MS,
                   note=f"p50 {c.p(50, k):.1f}, p95 {c.p(95, k):.1f}; bare p50 "
                        f"{b.p(50, k):.1f}, p99 {b.p(99, k):.1f}")  # fmt: skip
    report.add(name, "cadence p50", c.p(50), unit="ms")
    report.add(name, "cadence p95", c.p(95), unit="ms")
    report.add(name, "cadence p99", p99, unit="ms", target="< 150",
               ok=not math.isnan(p99) and p99 < acks.P99_TARGET_MS)  # fmt: skip
    report.add(name, "bare bolt p50", b.p(50), unit="ms")
    report.add(name, "bare bolt p95", b.p(95), unit="ms")
    report.add(name, "bare bolt p99", b.p(99), unit="ms")
    report.add(name, "p50 cadence / bare", run.p50_ratio, unit="x", target="<= 2",
               ok=run.p50_ratio <= acks.P50_FACTOR)  # fmt: skip
    report.add(name, "errors (cadence)", len(c.errors), target="0", ok=not c.errors)
    report.add(name, "errors (bare bolt)", len(b.errors))
    name = "5 memory"
    report.add(name, "cadence memory (PSS) after start", run.rss_start_mb, unit="MB",
               target="< 150", ok=run.rss_start_mb < RSS_TARGET_MB)  # fmt: skip
    report.add(name, "cadence memory (PSS) after benchmark 1", run.rss_after_mb, unit="MB",
               target="< 150", ok=run.rss_after_mb < RSS_TARGET_MB)  # fmt: skip
    report.add(name, "bare bolt memory (PSS, reference)", run.bare_rss_mb, unit="MB")


def bench_storm(report: Report, _sizes: Sizes, database_url: str | None) -> None:
    """Benchmark 2 (the same size in --quick: it takes about 10 seconds)."""
    run = storm.run_storm(database_url=database_url)
    print(
        f"[2] {run.voters} votes sent in {run.send_s:.1f} s; answers p50 {storm.p(run, 50):.1f}, "
        f"p99 {storm.p(run, 99):.1f}, max {run.slowest_ms:.1f} ms; outbox settled after "
        f"{run.settle_s:.1f} s; {run.updates} chat.update calls ({run.updates_limited} "
        f"answered 429)\n    last tally shown: {run.shown!r}\n    database:         "
        f"{run.expected!r}" + (f"\n    e.g. {run.errors[0]}" if run.errors else "")
    )
    name = "2 vote storm"
    report.add(name, "votes stored", run.stored, target=str(run.voters),
               ok=run.stored == run.voters)  # fmt: skip
    report.add(name, "slowest answer", run.slowest_ms, unit="ms", target="< 1000",
               ok=run.slowest_ms < storm.ANSWER_LIMIT_S * 1000 and not run.errors,
               note=f"p50 {storm.p(run, 50):.1f}, p99 {storm.p(run, 99):.1f} ms; "
                    f"sent over {run.send_s:.1f} s")  # fmt: skip
    report.add(name, "errors", len(run.errors), target="0", ok=not run.errors)
    report.add(name, "chat.update calls", run.updates, target="<= 30",
               ok=run.updates <= storm.UPDATES_MAX,
               note=f"{run.updates_limited} answered 429")  # fmt: skip
    settled = f"settled {run.settle_s:.1f} s after the first vote"
    report.add(name, "last tally shown = database", int(run.tally_matches), target="1",
               ok=run.tally_matches, note=settled)  # fmt: skip


def bench_fanout(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Benchmark 3."""
    run = fanout.run_fanout(sizes.dms, database_url=database_url, time_limit=sizes.dms / 5)
    print(
        f"[3] {run.messages} DMs queued in {run.enqueue_s:.2f} s; delivered in "
        f"{run.deliver_s:.1f} s (minimum {run.minimum_s:.1f} s at {fanout.WORKSPACE_RATE:g}/s, "
        f"burst {fanout.WORKSPACE_BURST}); {run.limited} answered 429"
        + ("; TIME LIMIT REACHED" if run.timed_out else "")
    )
    name = "3 reminder fan-out"
    report.add(name, f"{run.messages} DMs: delivery time", run.deliver_s, unit="s")
    report.add(name, "minimum the limits allow", run.minimum_s, unit="s")
    report.add(name, "time / minimum", run.ratio, unit="x", target="<= 1.15",
               ok=run.ratio <= fanout.TARGET_RATIO)  # fmt: skip
    report.add(name, "delivered (rows sent / ok posts)", run.ok_posts, target=str(run.messages),
               ok=run.rows_sent == run.ok_posts == run.messages,
               note=f"rows sent {run.rows_sent}")  # fmt: skip
    report.add(name, "duplicates", run.duplicates, target="0", ok=run.duplicates == 0)
    report.add(name, "429 answers", run.limited)


def bench_pacing(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Per-channel pacing: N posts to one channel, then one 429."""
    pacing.report_pacing(report, sizes.paced_posts, database_url=database_url)


def bench_history(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Benchmark 4."""
    small_n, large_n = sizes.history
    name = "4 history scale"
    with scratch_database(database_url) as small_url, scratch_database(database_url) as large_url:
        engines = [make_engine(small_url), make_engine(large_url)]
        try:
            for engine, n in zip(engines, (small_n, large_n), strict=True):
                upgrade(engine)
                took = history.seed(engine, n)
                print(f"[4] seeded {n:,} escalations (+{2 * n:,} events, +{n:,} outbox rows) and "
                      f"{n:,} votes in {took:.1f} s")  # fmt: skip
                report.add(name, f"seed {n:,} + {n:,}", took, unit="s")
            for c in history.compare(*engines, runs=sizes.history_runs):
                print(f"    {c.name}: median {c.small_ms:.2f} ms vs {c.large_ms:.2f} ms "
                      f"-> x{c.ratio:.2f}")  # fmt: skip
                report.add(name, f"{c.name}: large/small", c.ratio, unit="x",
                           target="<= 1.3", ok=c.ratio <= history.RATIO_TARGET,
                           note=f"{c.small_ms:.2f} vs {c.large_ms:.2f} ms")  # fmt: skip
        finally:
            for engine in engines:
                engine.dispose()


def bench_capacity(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Benchmark 6: capacity of the production server, 1 and 2 workers, and 100 requests/s."""
    print(f"[6] open loop, {sizes.step_seconds:g} s per rate; capacity = highest rate with every "
          f"request answered and ack p99 < {capacity.P99_LIMIT_MS:g} ms")  # fmt: skip
    run = capacity.run_capacity(
        database_url=database_url, seconds=sizes.step_seconds, bisections=sizes.bisections
    )
    name = "6 capacity"
    for server in run.servers.values():
        report.add(name, f"{server.name}: requests/s at p99 < 300 ms", server.capacity,
                   unit="/s", note=f"{len(server.steps)} rates tried")  # fmt: skip
    for workers in (1, 2):
        ratio = run.ratio(workers)
        report.add(name, f"cadence / bare, {workers} worker(s)", ratio, unit="x",
                   target=">= 0.6" if workers == 2 else "",
                   ok=ratio >= capacity.RATIO_TARGET if workers == 2 else None)  # fmt: skip
    for server_name, step in run.storm.items():
        report.add(name, f"{server_name} at {capacity.STORM_RATE:g}/s: ack p99", step.p99,
                   unit="ms", target=f"< {capacity.STORM_P99_MS:g}",
                   ok=step.p99 < capacity.STORM_P99_MS and not step.errors
                   and (step.lag or 0) <= capacity.LAG_LIMIT_S,
                   note=f"p50 {step.p50:.1f} ms, {len(step.errors)} errors,{step.lag_text()} "
                        f"{len(step.latencies)} answered; p50/p99 by kind: "
                        f"{step.kinds()}")  # fmt: skip
    for server_name, kinds in run.cpu.items():
        for kind, ms in kinds.items():
            report.add(
                name,
                f"{server_name}: CPU per {kind} at {capacity.CPU_RATE:g}/s",
                ms,
                unit="ms",
                note="server processes, user + system, after-ack work included",
            )
    before, after = run.load_before, run.load_after
    report.add(name, "machine load average (1 min) before / after", before[0], note=f"after "
               f"{after[0]:.2f}; {os.cpu_count()} CPUs shared with the load generator")  # fmt: skip


def bench_export(report: Report, sizes: Sizes, database_url: str | None) -> None:
    """Benchmark 7: the same export of a small and a large table, each in a child process."""
    name = "7 export memory"
    for n in sizes.export_rows:
        with scratch_database(database_url) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                took = exports.seed(engine, n)
            finally:
                engine.dispose()
            print(f"[7] seeded {n:,} escalations in {took:.1f} s")
            for fmt in ("csv", "json"):
                run = exports.run_export(url, fmt=fmt)
                print(f"    export {n:,} rows as {fmt}: {run.rows:,} rows, {run.size_mb:.0f} MB "
                      f"in {run.seconds:.1f} s; peak RSS {run.peak_rss_mb:.1f} MB")  # fmt: skip
                report.add(name, f"{n:,} rows {fmt}: peak RSS", run.peak_rss_mb, unit="MB",
                           target="< 150", ok=run.rows == n and
                           run.peak_rss_mb < exports.RSS_TARGET_MB,
                           note=f"{run.rows:,} rows, {run.size_mb:.0f} MB file, "
                                f"{run.seconds:.1f} s")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks, print the table, write the JSON; 1 if one crashed."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 2 minutes)")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma list of {', '.join(ALL)}")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to create throwaway databases on, e.g. "
        "postgresql+psycopg://postgres@127.0.0.1:5432/test (default: SQLite in a temp dir)",
    )
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default: {RESULTS}")
    parser.add_argument("--profile", action="store_true", help="profile the command suite")
    args = parser.parse_args(argv)
    tally = LogTally()
    logging.basicConfig(level=logging.WARNING, handlers=[tally], force=True)
    if args.profile:
        commands.run_profile(args)
        return 0
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    if unknown := set(chosen) - set(ALL):
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    sizes = QUICK if args.quick else FULL
    backend = "postgresql" if args.database_url else "sqlite"
    report = Report(quick=args.quick, database=backend)
    started, crashed = time.monotonic(), False
    runners = {
        "acks": bench_acks,
        "storm": bench_storm,
        "fanout": bench_fanout,
        "history": bench_history,
        "capacity": bench_capacity,
        "export": bench_export,
        "pacing": bench_pacing,
    }
    for name in chosen:
        try:
            if name == "commands":
                commands.run_commands(args)
            else:
                runners[name](report, sizes, args.database_url)
        except Exception:
            crashed = True
            traceback.print_exc()
            report.add(name, "crashed", None, ok=False, note="see the traceback above")
        print()
    report.print_table()
    logged = ", ".join(f"{n} {level}" for level, n in sorted(tally.counts.items())) or "none"
    print(f"Warnings/errors logged in the benchmark process: {logged}")
    for line in tally.samples:
        print(f"    {line}")
    print(f"Figures written to {report.write_json(args.json)}")
    print(f"Total wall time: {time.monotonic() - started:.0f} s")
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
