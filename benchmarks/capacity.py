"""Benchmark 6 (issue 15): capacity of the production server, Cadence vs a bare bolt app.

Four servers run side by side, each `gunicorn` with gthread workers (bot/server.py): Cadence
(`cadence-bot run`, each on its own throwaway database) and the bare bolt app
(benchmarks/bare_app.py), each with 1 and with 2 worker processes. Signed requests of benchmark
1's mix (`/cadence help`, `/escalate`, vote clicks) arrive open loop: request i is due at
start + i / rate whatever happened to the earlier ones, and its latency is counted from that
moment, so a server that falls behind is charged for the queue it builds.

Capacity is the highest rate at which a server answers every request as it should (the help
in the ack, an empty ack otherwise: a "too busy" answer counts as a failure) with ack p99 under
P99_LIMIT_MS and, for Cadence (whose acks mostly leave before the work is done), the work keeps
up: the votes acked during the step are stored within LAG_LIMIT_S of its last answer. The
rates climb a ladder shared by all four (each rate run on every server still
passing, one after the other, so they share the machine's noise); after a server first fails,
the rates between its last pass and that failure are bisected. Then Cadence is held at
STORM_RATE requests/s, its p99 to be under STORM_P99_MS.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from sqlalchemy import text

from benchmarks.acks import RequestKind, VoteClicks, request_mix
from benchmarks.harness import scratch_database
from benchmarks.load import percentile
from benchmarks.processes import Served, bare_process, cadence_process
from benchmarks.threads import open_thread, parent_message
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import make_engine
from tests.cast import populate
from tests.conftest import SIGNING_SECRET

P99_LIMIT_MS = 300.0
# Most of Cadence's acks leave before the work they acknowledge is done; a rate is sustained
# only if that work keeps up: the votes acked during a step are all stored within this long
# after its last answer (the lag is reported for every step).
LAG_LIMIT_S = 3.0
LAG_WAIT_S = 10.0
DRAIN_WAIT_S = 30.0
RATIO_TARGET = 0.6
STORM_RATE, STORM_P99_MS = 100.0, 100.0
LADDER = (20, 30, 45, 65, 90, 125, 170, 230, 310, 420, 560)
CLIENT_THREADS = 96
WARM_UP_RATE, WARM_UP_SECONDS = 10.0, 4.0
ANSWER_TIMEOUT = 10.0


@dataclass
class Step:
    """One rate held for a while on one server."""

    rate: float
    latencies: list[float] = field(default_factory=list)  # ms, from each request's due time
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    late_starts: int = 0  # requests the client threads began > 50 ms after they were due
    lag: float | None = None  # seconds after the step until its votes were stored (Cadence)

    @property
    def p99(self) -> float:
        """The 99th percentile latency, ms."""
        return percentile(self.latencies, 99)

    @property
    def p50(self) -> float:
        """The median latency, ms."""
        return percentile(self.latencies, 50)

    def kinds(self) -> str:
        """p50/p99 of each request kind, for the report."""
        return ", ".join(
            f"{name} {percentile(ms, 50):.0f}/{percentile(ms, 99):.0f}"
            for name, ms in self.by_kind.items()
        )

    @property
    def passed(self) -> bool:
        """Every request answered, p99 under the limit, the work done soon after."""
        kept_up = self.lag is None or self.lag <= LAG_LIMIT_S
        return not self.errors and self.p99 < P99_LIMIT_MS and kept_up

    def lag_text(self) -> str:
        """The work lag, for the report."""
        return "" if self.lag is None else f"  lag {self.lag:.1f} s"


@dataclass
class Server:
    """One server under test and what it sustained."""

    served: Served
    mix: list[RequestKind]
    sim: SlackSim
    steps: list[Step] = field(default_factory=list)
    # Cadence's: (votes clicked, votes stored), to measure each step's work lag.
    votes: Callable[[], tuple[int, int]] | None = None
    turned_away: int = 0  # clicks Cadence answered "too busy" (never stored)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def drain(self) -> None:
        """Wait (up to DRAIN_WAIT_S) for Cadence's work from earlier steps to be done, so a
        step starts on an idle server."""
        if self.votes is not None:
            work_lag(self, wait=DRAIN_WAIT_S)

    @property
    def name(self) -> str:
        """e.g. `cadence x2`."""
        return self.served.name

    @property
    def capacity(self) -> float:
        """The highest rate passed below the lowest rate failed (0 if none passed)."""
        ceiling = self.lowest_failed or float("inf")
        return max((s.rate for s in self.steps if s.passed and s.rate < ceiling), default=0.0)

    @property
    def lowest_failed(self) -> float | None:
        """The lowest rate that failed on every try (each rate gets two), if any."""
        rates = {s.rate for s in self.steps}
        failed = [r for r in rates if not any(s.passed for s in self.steps if s.rate == r)]
        return min(failed, default=None)

    def hold(self, rate: float, seconds: float, label: str = "") -> bool:
        """Hold `rate`, and again if it failed (one noisy second on a shared machine is not
        the server's limit); whether it passed."""
        for attempt in range(2):
            self.drain()
            step = hold_rate(self, rate, seconds)
            print(f"    {self.name:<13} {rate:5.0f}/s  p50 {step.p50:7.1f}  p99 {step.p99:7.1f}"
                  f" ms  errors {len(step.errors)}  late {step.late_starts}{step.lag_text()}  "
                  f"{label}{'ok' if step.passed else 'FAIL'}{' (retry)' if attempt else ''}"
                  )  # fmt: skip
            _settle()
            if step.passed:
                return True
        return False


@dataclass
class CapacityRun:
    """Benchmark 6's figures."""

    servers: dict[str, Server]
    storm: dict[str, Step]
    seconds_per_step: float
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]

    def ratio(self, workers: int) -> float:
        """Cadence's capacity over the bare app's, with `workers` processes each."""
        bare = self.servers[f"bare bolt x{workers}"].capacity
        return self.servers[f"cadence x{workers}"].capacity / bare if bare else float("nan")


def hold_rate(server: Server, rate: float, seconds: float) -> Step:
    """Send `rate` requests/s open loop for `seconds`; the latencies and failures."""
    step, sim = Step(rate), server.sim
    cycle = [kind for kind in server.mix for _ in range(kind.weight)]
    total = int(rate * seconds)
    counter, lock = itertools.count(), threading.Lock()
    answered: list[tuple[str, str]] = []  # Cadence's acked clicks: (kind, response URL)
    start = time.monotonic() + 0.1

    def client() -> None:
        while (index := next(counter)) < total:
            due = start + index / rate
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            late = time.monotonic() - due > 0.05
            kind = cycle[index % len(cycle)]
            try:
                reply = kind.send(sim, index)
                problem = (
                    f"HTTP {reply.status}" if reply.status != 200
                    else kind.check(reply) if server.votes is not None  # Cadence's answers
                    else None
                )  # fmt: skip
                if reply.response_url and not problem and server.votes is not None:
                    with lock:
                        answered.append((kind.name, reply.response_url))
            except OSError as exc:
                problem = f"no answer: {type(exc).__name__}"
            took = (time.monotonic() - due) * 1000
            with lock:
                step.late_starts += late
                if problem:
                    step.errors.append(f"{kind.name}: {problem}")
                else:
                    step.latencies.append(took)
                    step.by_kind.setdefault(kind.name, []).append(took)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + ANSWER_TIMEOUT + 30)
    if server.votes is not None:
        # Counted after the step (a click turned away as too busy is acked, then told so
        # privately), not while the clients send: a lookup per answer slowed the fake Slack.
        step.lag = work_lag(server, [url for name, url in answered if name == "vote click"])
        step.errors += [f"{name}: turned away (too busy)" for name, url in answered
                        if _told_too_busy(server, url)]  # fmt: skip
    server.steps.append(step)
    return step


def _told_too_busy(server: Server, url: str) -> bool:
    """Whether Cadence told a click's sender it was too busy (so nothing was stored)."""
    return any("nothing was done" in str(b.get("text")) for b in server.sim.fake.responses(url))


def work_lag(server: Server, clicks: list[str] | None = None, *, wait: float = LAG_WAIT_S) -> float:
    """Seconds from now until every vote clicked and not turned away is stored
    (`wait` + 1 if not within `wait`); `clicks`: the response URLs of this step's votes, whose
    "too busy" answers are counted as they arrive."""
    assert server.votes is not None
    ended = time.monotonic()
    unknown = set(clicks or [])
    while time.monotonic() - ended < wait:
        busy = {url for url in unknown if _told_too_busy(server, url)}
        unknown -= busy
        server.turned_away += len(busy)
        clicked, stored = server.votes()
        if stored >= clicked - server.turned_away:
            return time.monotonic() - ended
        time.sleep(0.05)
    return wait + 1


def _settle(seconds: float = 1.0) -> None:
    """Let the servers finish the work queued after the acks before the next step."""
    time.sleep(seconds)


def climb(servers: list[Server], seconds: float, bisections: int) -> None:
    """Run the ladder on every server still passing, then bisect each server's edge."""
    for rate in LADDER:
        climbing = [s for s in servers if s.lowest_failed is None]
        if not climbing:
            break
        for server in climbing:
            server.hold(rate, seconds)
    for server in servers:
        for _ in range(bisections):
            failed = server.lowest_failed
            if failed is None:
                break
            middle = round((server.capacity + failed) / 2)
            if middle in (server.capacity, failed):
                break
            server.hold(middle, seconds, label="(bisect) ")


def warm_up(servers: list[Server]) -> None:
    """A few seconds of light traffic first: connection pools, caches, lazy imports."""
    for server in servers:
        hold_rate(server, WARM_UP_RATE, WARM_UP_SECONDS)
        server.steps.pop()
    _settle()


def _cadence(stack: ExitStack, fake: FakeSlack, admin_url: str | None, workers: int,
             channel: str) -> Server:  # fmt: skip
    """A Cadence server on its own database, with this week's thread open in `channel`."""
    url = stack.enter_context(scratch_database(admin_url))
    served = stack.enter_context(cadence_process(fake, url, workers=workers,
                                                 name=f"cadence x{workers}"))  # fmt: skip
    engine = make_engine(url)
    stack.callback(engine.dispose)
    open_thread(engine, channel=channel)
    votes = VoteClicks()
    votes.parent = parent_message(fake, channel)
    mix = _mix(votes)

    def clicked_and_stored() -> tuple[int, int]:
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT count(*) FROM vote")).scalar_one()
        return votes.sent, int(stored)

    return Server(served, mix, _sim(served, fake), votes=clicked_and_stored)


def _mix(votes: VoteClicks) -> list[RequestKind]:
    """Benchmark 1's mix, its votes clicked (and counted) by `votes`."""
    return [
        RequestKind(k.name, k.weight, votes.send, k.check) if k.name == "vote click" else k
        for k in request_mix()
    ]


def _bare_mix(parent: dict | None) -> list[RequestKind]:
    """The same requests for a bare app, counted apart (its votes are stored nowhere)."""
    votes = VoteClicks()
    votes.parent = parent
    return _mix(votes)


def _sim(served: Served, fake: FakeSlack) -> SlackSim:
    return SlackSim(served.endpoint, SIGNING_SECRET, fake, timeout=ANSWER_TIMEOUT)


def run_capacity(*, database_url: str | None, seconds: float, bisections: int) -> CapacityRun:
    """Benchmark 6 on four servers; `database_url` names the PostgreSQL server (or SQLite)."""
    fake = FakeSlack().start()
    load_before = os.getloadavg()
    try:
        populate(fake)
        for channel in ("C0CAP1", "C0CAP2"):
            fake.add_channel(channel, name=channel.lower())
        with ExitStack() as stack:
            servers: list[Server] = []
            for workers, channel in ((1, "C0CAP1"), (2, "C0CAP2")):
                servers.append(_cadence(stack, fake, database_url, workers, channel))
            parent = parent_message(fake, "C0CAP1")
            for workers in (1, 2):
                bare = stack.enter_context(bare_process(fake, workers=workers,
                                                        name=f"bare bolt x{workers}"))  # fmt: skip
                servers.append(Server(bare, _bare_mix(parent), _sim(bare, fake)))
            warm_up(servers)
            climb(servers, seconds, bisections)
            storm = {}
            for server in servers[:2]:
                server.drain()
                storm[server.name] = step = hold_rate(server, STORM_RATE, seconds * 2)
                server.steps.pop()  # not part of the capacity search
                print(f"    {server.name:<13} {STORM_RATE:5.0f}/s for {seconds * 2:.0f} s: "
                      f"p50 {step.p50:.1f}  p99 {step.p99:.1f} ms  "
                      f"errors {len(step.errors)}{step.lag_text()}\n"
                      f"      p50/p99 ms by kind: {step.kinds()}")  # fmt: skip
                _settle()
            return CapacityRun({s.name: s for s in servers}, storm, seconds, load_before,
                               os.getloadavg())  # fmt: skip
    finally:
        fake.stop()
