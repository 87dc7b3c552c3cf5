"""Benchmark 1 (ack latency) and 5 (memory): Cadence and a bare bolt app, each in its own process.

Both serve HTTP with the same server stack and signing check, both against the fake Slack in
this process. Signed requests from a mix of request kinds go to both from CLIENTS closed-loop
threads, in alternating rounds so both see the same machine noise. Cadence's resident memory
is read from /proc after it started and after the load.

The mix (`request_mix()`): `/cadence help` (answered in the ack), `/escalate` (acked empty, then
the form opened with views.open; every one is checked to have opened) and vote clicks on the
parent message of a real governance thread the bot posted, each by a different person. A
RequestKind's `send` sends one signed request with the SlackSim, `check` says what is wrong with
Cadence's HTTP answer (None if nothing), `prepare` seeds what the kind needs through the database
once Cadence has started, and `verify` checks the fake Slack once the load is over, given how
many requests of the kind Cadence got.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from benchmarks.harness import scratch_database
from benchmarks.load import Sample, percentile, run_clients, said
from benchmarks.processes import Served, bare_process, cadence_process
from benchmarks.threads import open_thread, parent_message
from slackfake import FakeSlack
from slackfake.sim import Reply, SlackSim
from storage.db import make_engine
from tests.cast import EVE, GENERAL, GOV, populate
from tests.conftest import SIGNING_SECRET

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
    verify: Callable[[FakeSlack, int], str | None] | None = None


def _send_help(sim: SlackSim, _index: int) -> Reply:
    return sim.command("/cadence", "help", user=EVE, channel=GENERAL)


def _check_help(reply: Reply) -> str | None:
    shown = said(reply.json or {"text": reply.body})
    return None if "Cadence commands" in shown else f"not the help: {shown[:80]!r}"


def _acked_empty(reply: Reply) -> str | None:
    return None if not reply.body.strip() else f"unexpected ack body {reply.body[:80]!r}"


def _send_escalate(sim: SlackSim, index: int) -> Reply:
    return sim.command("/escalate", f"refund bot promised credits ({index})", user=EVE, channel=GOV)


def _forms_opened(fake: FakeSlack, sent: int, *, timeout: float = 30.0) -> str | None:
    """Every /escalate Cadence got opened its form (views.open answered ok)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        opened = sum(1 for call in fake.calls_to("views.open") if call.ok)
        if opened >= sent:
            return None if opened == sent else f"{opened} forms opened for {sent} /escalate"
        time.sleep(0.1)
    failed = [call.error for call in fake.calls_to("views.open") if not call.ok][:1]
    return f"only {opened} of {sent} forms opened" + (f" (e.g. {failed[0]})" if failed else "")


class VoteClicks:
    """Vote clicks on a governance thread's parent, each by someone who has not voted yet."""

    CHOICES = ("continue", "stabilize", "pause", "redesign")

    def __init__(self) -> None:
        self.parent: dict | None = None
        self.voters = itertools.count()
        self.sent = 0  # clicks sent so far (each a new voter)
        self._lock = threading.Lock()

    def prepare(self, engine: Engine, fake: FakeSlack) -> None:
        """Open this week's thread and wait until the bot has posted its parent message."""
        open_thread(engine)
        self.parent = parent_message(fake)

    def send(self, sim: SlackSim, _index: int) -> Reply:
        """Click one vote button as a new voter."""
        assert self.parent is not None, "prepare() first"
        n = next(self.voters)
        with self._lock:
            self.sent += 1
        action = f"governance-vote-{self.CHOICES[n % len(self.CHOICES)]}"
        return sim.click(self.parent, user=f"U0V{n:06d}", action_id=action, latest=False)


def request_mix() -> list[RequestKind]:
    """The requests benchmark 1 sends: help, /escalate (opens a modal), vote clicks."""
    votes = VoteClicks()
    return [
        RequestKind("/cadence help", 1, _send_help, _check_help),
        RequestKind("/escalate", 1, _send_escalate, _acked_empty, verify=_forms_opened),
        RequestKind("vote click", 1, votes.send, _acked_empty, prepare=votes.prepare),
    ]


@dataclass
class Latencies:
    """One app's ack latencies (ms) and failures."""

    name: str
    acks: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    sent: dict[str, int] = field(default_factory=dict)

    def p(self, q: float, kind: str | None = None) -> float:
        """The q-th percentile, ms (of one kind of request, or of all)."""
        return percentile(self.acks if kind is None else self.by_kind.get(kind, []), q)


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
        populate(fake)
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
            warm_up = Latencies("warm-up")
            for app in (cadence, bare):
                _load(app, fake, cycle, WARM_UP, warm_up)
            for round_no in range(ROUNDS):
                size = n // ROUNDS + (1 if round_no < n % ROUNDS else 0)
                order = (cadence, bare) if round_no % 2 == 0 else (bare, cadence)
                for app in order:
                    _load(app, fake, cycle, size, results[app.name])
            mine = results[cadence.name]
            for kind in mix:
                sent = mine.sent.get(kind.name, 0) + warm_up.sent.get(kind.name, 0)
                if kind.verify is not None and (problem := kind.verify(fake, sent)):
                    mine.errors.append(f"{kind.name}: {problem}")
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
            return Sample(None, 0, started, error=f"{kind.name}: no ack: {exc}", text=kind.name)
        sample = Sample(reply.elapsed * 1000, reply.status, started, text=kind.name)
        if reply.status != 200:
            sample.error = f"{kind.name}: HTTP {reply.status}"
        elif checked and (problem := kind.check(reply)):
            sample.error = f"{kind.name}: {problem}"
        return sample

    samples, _wall = run_clients(job, n=n, clients=CLIENTS, time_limit=300)
    for s in samples:
        if checked:  # only Cadence's own requests are checked afterwards (forms opened)
            into.sent[s.text] = into.sent.get(s.text, 0) + 1
        if s.ack_ms is not None and s.error is None:
            into.acks.append(s.ack_ms)
            into.by_kind.setdefault(s.text, []).append(s.ack_ms)
    into.errors += [s.error for s in samples if s.error is not None]
    if len(samples) < n:
        into.errors.append(f"{n - len(samples)} requests never sent (time limit)")
