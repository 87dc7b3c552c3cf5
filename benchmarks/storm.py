"""Benchmark 2, vote storm: 500 people vote on one governance thread within about 5 seconds.

Cadence runs as `cadence-bot run` (HTTP mode, its own process) against the fake Slack with
Slack's rate limits on (slackfake/rate_limits.py: chat.update is a tier-3 method, 50/min).
The votes are signed block_actions clicks on the parent message the bot posted, sent open
loop: vote i leaves at i * SPREAD / n seconds whatever the earlier ones are doing. Afterwards
the outbox must settle; then the votes stored, the chat.update calls the fake saw and the
tally the last one showed are compared with the database.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from sqlalchemy import Engine, func
from sqlmodel import select

from benchmarks.harness import scratch_database
from benchmarks.load import percentile
from benchmarks.processes import cadence_process
from benchmarks.threads import open_thread, parent_message
from cadence.governance import tally as governance_tally
from cadence.vocabulary import OutboxStatus
from handlers.blocks.governance import tally_line
from slackfake import FakeSlack
from slackfake.forms import all_text
from slackfake.rate_limits import SlackRateLimits
from slackfake.sim import SlackSim
from storage.db import make_engine, session_scope
from storage.models import OutboxMessage, Vote
from tests.cast import populate
from tests.conftest import SIGNING_SECRET

VOTERS, SPREAD_S, SENDERS = 500, 5.0, 48
ANSWER_LIMIT_S, UPDATES_MAX = 1.0, 30
SETTLE_TIMEOUT_S = 90.0
CHOICES = ("continue", "stabilize", "pause", "redesign")


@dataclass
class StormRun:
    """What the vote storm measured."""

    voters: int
    send_s: float
    acks_ms: list[float]
    errors: list[str]
    stored: int
    settle_s: float
    updates: int
    updates_limited: int
    shown: str
    expected: str
    problems: list[str] = field(default_factory=list)

    @property
    def slowest_ms(self) -> float:
        """The slowest answer, ms."""
        return max(self.acks_ms, default=float("nan"))

    @property
    def tally_matches(self) -> bool:
        """The last chat.update showed the tally the database holds."""
        return self.shown == self.expected


def run_storm(voters: int = VOTERS, *, database_url: str | None) -> StormRun:
    """Open a thread, storm it with votes, let the outbox settle, compare."""
    fake = FakeSlack().start()
    try:
        populate(fake)
        fake.rate_limits = SlackRateLimits()
        with scratch_database(database_url) as url, cadence_process(fake, url) as cadence:
            engine = make_engine(url)
            try:
                session_id = open_thread(engine)
                parent = parent_message(fake)
                sim = SlackSim(cadence.endpoint, SIGNING_SECRET, fake, timeout=10.0)
                started = time.monotonic()
                acks, errors = _storm(sim, parent, voters)
                send_s = time.monotonic() - started
                settle_s = _settle(engine) - started
                return _compare(engine, fake, parent, session_id, voters, send_s, settle_s, acks,
                                errors)  # fmt: skip
            finally:
                engine.dispose()
    finally:
        fake.stop()


def _storm(sim: SlackSim, parent: dict, voters: int) -> tuple[list[float], list[str]]:
    started = time.monotonic()

    def vote(i: int) -> tuple[float | None, str | None]:
        time.sleep(max(0.0, started + i * SPREAD_S / voters - time.monotonic()))
        action = f"governance-vote-{CHOICES[i % len(CHOICES)]}"
        try:
            reply = sim.click(parent, user=f"U0S{i:06d}", action_id=action, latest=False)
        except OSError as exc:
            return None, f"vote {i}: no answer: {exc}"
        if reply.status != 200:
            return reply.elapsed * 1000, f"vote {i}: HTTP {reply.status}"
        return reply.elapsed * 1000, None

    with ThreadPoolExecutor(max_workers=SENDERS, thread_name_prefix="bench-client") as pool:
        results = list(pool.map(vote, range(voters)))
    acks = [ms for ms, error in results if ms is not None and error is None]
    return acks, [error for _ms, error in results if error is not None]


def _settle(engine: Engine) -> float:
    """When no outbox row was pending any more (monotonic), waiting up to SETTLE_TIMEOUT_S."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while time.monotonic() < deadline:
        with session_scope(engine) as db:
            pending = db.exec(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
            ).one()
        if not pending:
            return time.monotonic()
        time.sleep(0.1)
    return time.monotonic()


def _compare(
    engine: Engine,
    fake: FakeSlack,
    parent: dict,
    session_id: int,
    voters: int,
    send_s: float,
    settle_s: float,
    acks: list[float],
    errors: list[str],
) -> StormRun:
    with session_scope(engine) as db:
        stored = int(db.exec(select(func.count()).where(Vote.session_id == session_id)).one())
        expected = "*Vote:* " + tally_line(governance_tally.tally(db, session_id=session_id))
    calls = [c for c in fake.calls_to("chat.update") if c.params.get("ts") == parent["ts"]]
    sent = [c for c in calls if c.ok]
    blocks = sent[-1].params.get("blocks") if sent else None
    last = all_text(json.loads(blocks) if isinstance(blocks, str) else blocks or [])
    shown = next((line for line in last.splitlines() if line.startswith("*Vote:*")), "")
    return StormRun(
        voters=voters,
        send_s=send_s,
        acks_ms=acks,
        errors=errors,
        stored=stored,
        settle_s=settle_s,
        updates=len(calls),
        updates_limited=sum(1 for c in calls if c.status == 429),
        shown=shown,
        expected=expected,
    )


def p(run: StormRun, q: float) -> float:
    """The q-th percentile of the answers, ms."""
    return percentile(run.acks_ms, q)
