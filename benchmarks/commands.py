"""The earlier command suite: /cadence help, /owner, /cadence map, outbox throughput, profile.

Run with `uv run python -m benchmarks.run --only commands` (or `--profile` for hotspots).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import platform
import pstats
import sqlite3
import time
from collections.abc import Callable
from importlib.metadata import version

import bot.delivery
from benchmarks import scenarios
from benchmarks.harness import Harness, running_bot
from benchmarks.load import Result, percentile
from benchmarks.profiling import ThreadProfiles

ACK_LIMIT_MS, ACK_AIM_P95_MS = 3000.0, 300.0


def listen_overflows() -> int | None:
    """Linux's count of connections dropped because a listen queue was full (None elsewhere)."""
    try:
        with open("/proc/net/netstat") as netstat:
            lines = [line.split() for line in netstat if line.startswith("TcpExt:")]
    except OSError:
        return None
    if len(lines) < 2:
        return None
    counters = dict(zip(lines[0][1:], lines[1][1:], strict=False))
    value = counters.get("ListenOverflows")
    return int(value) if value is not None else None


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:8.1f}"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_context(h: Harness, sizes: scenarios.Sizes, quick: bool) -> None:
    """Where and how the numbers were taken."""
    print("Cadence benchmark" + (" (--quick)" if quick else ""))
    print(
        f"  machine : {platform.platform()}, {os.cpu_count()} CPU cores, "
        f"Python {platform.python_version()}"
    )
    if h.backend == "sqlite":
        database = f"SQLite {sqlite3.sqlite_version}"
    else:
        server = h.engine.dialect.server_version_info or ()
        database = f"PostgreSQL {'.'.join(str(part) for part in server)}"
    print(
        f"  stack   : slack-bolt {version('slack-bolt')}, slack-sdk {version('slack-sdk')}, "
        f"SQLAlchemy {version('sqlalchemy')}, {database}"
    )
    print(f"  database: {h.backend} ({h.settings.database_url.split('@')[-1]})")
    print(
        f"  bot     : {h.url}; fake Slack at {h.fake.base}; one process (bot, fake and "
        "clients share the GIL and the cores)"
    )
    print(
        f"  sizes   : sequential N={sizes.sequential}, concurrent N={sizes.concurrent} on "
        f"{sizes.clients} client threads (closed loop), map N={sizes.map_sequential}/"
        f"{sizes.map_concurrent}, outbox {sizes.outbox_messages} messages"
    )
    print()


def print_latencies(results: list[Result]) -> None:
    """One row per scenario: ack and end-to-end percentiles, failures, verdicts."""
    head = (
        f"{'scenario':<58} {'N':>4} {'fail':>4} | {'ack p50':>8} {'p95':>8} {'p99':>8} "
        f"{'max':>8} | {'e2e p50':>8} {'p95':>8} {'max':>8} | {'req/s':>6} | "
        "p99<3s p95<300"
    )
    print("Latency in ms (ack = request sent -> HTTP 200; e2e = sent -> answer at response_url)")
    print(head)
    print("-" * len(head))
    for r in results:
        acks, e2es = r.acks, r.e2es
        p95, p99 = percentile(acks, 95), percentile(acks, 99)
        ok99 = bool(acks) and p99 < ACK_LIMIT_MS and len(acks) == len(r.samples)
        ok95 = bool(acks) and p95 < ACK_AIM_P95_MS
        rate = len(r.samples) / r.wall_s if r.wall_s else 0.0
        print(
            f"{r.name:<58} {len(r.samples):>4} {r.failures:>4} | {_ms(percentile(acks, 50))} "
            f"{_ms(p95)} {_ms(p99)} {_ms(max(acks, default=math.nan))} | "
            f"{_ms(percentile(e2es, 50))} {_ms(percentile(e2es, 95))} "
            f"{_ms(max(e2es, default=math.nan))} | {rate:6.1f} | "
            f"{_verdict(ok99):>6} {_verdict(ok95):>6}"
        )
        for error in r.first_errors():
            print(f"    failure: {error}")
        for note in r.notes:
            print(f"    note: {note}")
    print()


def print_outbox(run: scenarios.OutboxRun) -> None:
    """The outbox throughput and its no-duplicates check."""
    no_dupes = run.posts_seen == run.messages == run.distinct_posts == run.rows_sent
    print(
        "Outbox throughput (CHANNEL_PACE_SECONDS set to 0 for this measurement; background "
        "worker stopped, passes made and timed here)"
    )
    print(
        f"  enqueue {run.messages} messages to {run.targets} channels/users in one "
        f"transaction: {run.enqueue_s * 1000:.0f} ms"
    )
    print(
        f"  deliver: {run.sent} sent in {run.deliver_s:.2f} s over {run.passes} deliver_due() "
        f"passes = {run.rate:.0f} messages/s (deferred {run.deferred}, retried {run.retried}, "
        f"failed {run.failed})"
    )
    print(
        f"  fake saw {run.posts_seen} chat.postMessage calls ({run.distinct_posts} distinct); "
        f"rows sent {run.rows_sent}, with Slack ts {run.rows_with_ts} -> "
        f"{_verdict(no_dupes)} (exactly once)"
    )
    if run.leftover_before:
        print(f"  note: {run.leftover_before} earlier messages were still pending before it")
    print()


def run_commands(args: argparse.Namespace) -> None:
    """Every scenario, in an order that keeps each one's starting state known."""
    sizes = scenarios.QUICK if args.quick else scenarios.FULL
    limit = sizes.time_limit
    with running_bot(args.database_url) as h:
        print_context(h, sizes, args.quick)
        started = time.monotonic()
        forced = scenarios.set_up_workspace(h)
        left = scenarios.drain_outbox(h, timeout=60)
        took = time.monotonic() - started
        print(
            f"Set-up: 51 workflows, 42 owners on the map workflow, 30 council members, "
            f"{took:.1f} s (outbox drained with pacing off, {left} left)"
        )
        if forced:
            print(
                f"  note: the domain refused {forced} of the {scenarios.MAP_STAGES} stage owners "
                "(its stage cap); those rows were inserted directly into owner_assignment"
            )
        print()
        owner = scenarios.OwnerCommands(h)
        seq, conc, clients = sizes.sequential, sizes.concurrent, sizes.clients
        plan: list[Callable[[], Result]] = [
            lambda: scenarios.help_scenario(h, n=seq, clients=1, time_limit=limit),
            lambda: scenarios.help_scenario(h, n=conc, clients=clients, time_limit=limit),
            lambda: owner.run(n=seq, clients=1, time_limit=limit),
            lambda: owner.run(n=conc, clients=clients, time_limit=limit),
            lambda: owner.run(n=conc, clients=clients, time_limit=limit, wait=False),
            lambda: scenarios.map_scenario(h, n=sizes.map_sequential, clients=1, time_limit=limit),
            lambda: scenarios.map_scenario(
                h, n=sizes.map_concurrent, clients=clients, time_limit=limit
            ),
        ]
        results = []
        for scenario in plan:
            before = listen_overflows()
            result = scenario()
            after = listen_overflows()
            if before is not None and after is not None and after > before:
                result.notes.append(
                    f"{after - before} TCP listen-queue overflows on loopback meanwhile "
                    "(a dropped SYN costs the client a ~1 s retry)"
                )
            results.append(result)
        backlog = scenarios.pending_outbox(h)
        print_latencies(results)
        pace = bot.delivery.CHANNEL_PACE_SECONDS
        print(
            f"Outbox backlog after the command scenarios (real pacing, {pace:g} s per "
            f"channel): {backlog} pending"
        )
        print()
        print_outbox(
            scenarios.outbox_scenario(
                h, n=sizes.outbox_messages, targets=sizes.outbox_targets, time_limit=limit
            )
        )


def run_profile(args: argparse.Namespace) -> None:
    """A short profiled run of /owner and /cadence map; prints the bot-side hotspots."""
    profiles = ThreadProfiles()
    profiles.start()
    with running_bot(args.database_url) as h:
        scenarios.set_up_workspace(h)
        scenarios.drain_outbox(h, timeout=60)
        owner = scenarios.OwnerCommands(h)
        results = [
            owner.run(n=60, clients=1, time_limit=60),
            scenarios.map_scenario(h, n=20, clients=1, time_limit=60),
        ]
        print_latencies(results)
        print("(timings above are inflated by the profiler)")
        print(profiles.report())
        # The outbox passes run on this (the main) thread, so one plain profiler sees them all.
        outbox_profile = cProfile.Profile()
        outbox_profile.enable()
        run = scenarios.outbox_scenario(h, n=500, targets=100, time_limit=60)
        outbox_profile.disable()
        print_outbox(run)
        out = io.StringIO()
        stats = pstats.Stats(outbox_profile, stream=out).strip_dirs()
        out.write("== outbox enqueue + delivery, by own time ==\n")
        stats.sort_stats("tottime").print_stats(20)
        out.write("== outbox enqueue + delivery, by cumulative time ==\n")
        stats.sort_stats("cumulative").print_stats(30)
        print(out.getvalue())
