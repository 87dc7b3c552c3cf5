"""Benchmark 1 (ack latency) and 5 (memory): Cadence and a bare bolt app, each in its own process.

Both serve HTTP with the same server stack and signing check, both against the fake Slack in
this process. Signed requests from a mix of request kinds go to both from CLIENTS closed-loop
threads, in alternating rounds so both see the same machine noise. Cadence's resident memory
is read from /proc after it started and after the load.

To add a request kind (e.g. `/escalate` opening a modal, a vote click), append a RequestKind to
`request_mix()`: `send` sends one signed request with the SlackSim, `check` says what is wrong
with Cadence's HTTP answer (None if nothing), `prepare` seeds what the kind needs (workflows, an
open governance thread) through the database once Cadence has started.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from benchmarks.harness import scratch_database
from benchmarks.load import Sample, percentile, run_clients, said
from benchmarks.processes import Served, bare_process, cadence_process
from storage.db import make_engine
from tests.conftest import EVE, GENERAL, SIGNING_SECRET, populate_workspace
from tests.fakes.slack_api import FakeSlack
from tests.slack_sim import Reply, SlackSim

CLIENTS, ROUNDS, WARM_UP = 16, 4, 40
P99_TARGET_MS, P50_FACTOR = 150.0, 2.0


@dataclass(frozen=True)
class RequestKind:
    """One kind of request in the mix, `weight` times in every cycle of the mix."""

    name: str
    weight: int
    send: Callable[[SlackSim, int], Reply]
    check: Callable[[Reply], str | None] = lambda _reply: None
    prepare: Callable[[Engine, FakeSlack], None] | None = None


def _send_help(sim: SlackSim, _index: int) -> Reply:
    return sim.command("/cadence", "help", user=EVE, channel=GENERAL)


def _check_help(reply: Reply) -> str | None:
    shown = said(reply.json or {"text": reply.body})
    return None if "Cadence commands" in shown else f"not the help: {shown[:80]!r}"


def request_mix() -> list[RequestKind]:
    """The requests benchmark 1 sends (issue 7 also wants /escalate and vote clicks here)."""
    return [RequestKind("/cadence help", 1, _send_help, _check_help)]


@dataclass
class Latencies:
    """One app's ack latencies (ms) and failures."""

    name: str
    acks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def p(self, q: float) -> float:
        """The q-th percentile, ms."""
        return percentile(self.acks, q)


@dataclass
class AckRun:
    """Benchmark 1 and 5 together."""

    requests: int
    mix: list[str]
    cadence: Latencies
    bare: Latencies
    rss_start_mb: float
    rss_after_mb: float
    bare_rss_mb: float

    @property
    def p50_ratio(self) -> float:
        """Cadence's p50 over the bare app's."""
        bare = self.bare.p(50)
        return self.cadence.p(50) / bare if bare and not math.isnan(bare) else math.nan


def run_acks(n: int, *, database_url: str | None) -> AckRun:
    """n requests to each app, CLIENTS at a time, in ROUNDS alternating rounds."""
    mix = request_mix()
    cycle = [kind for kind in mix for _ in range(kind.weight)]
    fake = FakeSlack().start()
    try:
        populate_workspace(fake)
        with (
            scratch_database(database_url) as url,
            cadence_process(fake, url) as cadence,
            bare_process(fake) as bare,
        ):
            engine = make_engine(url)
            try:
                for kind in mix:
                    if kind.prepare is not None:
                        kind.prepare(engine, fake)
            finally:
                engine.dispose()
            time.sleep(1.0)  # let start-up work (scheduler, first outbox pass) settle
            rss_start = cadence.rss_mb()
            results = {app.name: Latencies(app.name) for app in (cadence, bare)}
            for app in (cadence, bare):
                _load(app, fake, cycle, WARM_UP, Latencies("warm-up"))
            for round_no in range(ROUNDS):
                size = n // ROUNDS + (1 if round_no < n % ROUNDS else 0)
                order = (cadence, bare) if round_no % 2 == 0 else (bare, cadence)
                for app in order:
                    _load(app, fake, cycle, size, results[app.name])
            return AckRun(
                requests=n,
                mix=[f"{kind.name} x{kind.weight}" for kind in mix],
                cadence=results[cadence.name],
                bare=results[bare.name],
                rss_start_mb=rss_start,
                rss_after_mb=cadence.rss_mb(),
                bare_rss_mb=bare.rss_mb(),
            )
    finally:
        fake.stop()


def _load(app: Served, fake: FakeSlack, cycle: list[RequestKind], n: int, into: Latencies) -> None:
    sim = SlackSim(app.endpoint, SIGNING_SECRET, fake, timeout=10.0)
    checked = app.name == "cadence"

    def job(index: int) -> Sample:
        kind = cycle[index % len(cycle)]
        started = time.monotonic()
        try:
            reply = kind.send(sim, index)
        except OSError as exc:
            return Sample(None, 0, started, error=f"{kind.name}: no ack: {exc}")
        sample = Sample(reply.elapsed * 1000, reply.status, started)
        if reply.status != 200:
            sample.error = f"{kind.name}: HTTP {reply.status}"
        elif checked and (problem := kind.check(reply)):
            sample.error = f"{kind.name}: {problem}"
        return sample

    samples, _wall = run_clients(job, n=n, clients=CLIENTS, time_limit=300)
    into.acks += [s.ack_ms for s in samples if s.ack_ms is not None and s.error is None]
    into.errors += [s.error for s in samples if s.error is not None]
    if len(samples) < n:
        into.errors.append(f"{n - len(samples)} requests never sent (time limit)")
