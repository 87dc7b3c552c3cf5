"""The measured scenarios: slash-command acks, end-to-end answers, the map, the outbox."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import col, select

import bot.delivery
from benchmarks.harness import Harness
from benchmarks.load import ANSWER_TIMEOUT, Result, Sample, collect_answer, run_clients
from benchmarks.load import send_command as send
from cadence import outbox
from cadence.accountability import council, owners, workflows
from cadence.errors import InvalidInput
from cadence.people import Person
from cadence.vocabulary import OutboxStatus, OwnerRole
from storage.db import session_scope
from storage.models import OutboxMessage, OwnerAssignment
from tests.cast import ADMIN, BENCH_USERS, EVE, GENERAL, MAP_CHANNEL, WORKFLOW_CHANNELS

TEAM = "T0001"
ADMIN_PERSON = Person(id=ADMIN, name="Ada Admin", is_admin=True)
WORKFLOW_NAMES = [f"Bench workflow {i + 1:02d}" for i in range(len(WORKFLOW_CHANNELS))]
MAP_WORKFLOW = "Map workflow"
MAP_STAGES, MAP_COUNCIL = 40, 30
OWNER_POOL = BENCH_USERS[100:160]  # who /owner outcome hands workflows to, in rotation


@dataclass
class Sizes:
    """How much work each scenario does (full run or --quick)."""

    sequential: int
    concurrent: int
    clients: int
    map_sequential: int
    map_concurrent: int
    outbox_messages: int
    outbox_targets: int
    time_limit: float


FULL = Sizes(200, 400, 8, 50, 80, 2000, 200, 120.0)
QUICK = Sizes(20, 40, 8, 5, 16, 300, 60, 20.0)


def pending_outbox(h: Harness) -> int:
    """Outbox rows not yet delivered (or given up on)."""
    with session_scope(h.engine) as db:
        query = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
        return int(db.exec(query).one())


def drain_outbox(h: Harness, *, timeout: float) -> int:
    """Let the running worker deliver what is pending with pacing off; return what is left."""
    saved = bot.delivery.CHANNEL_PACE_SECONDS
    bot.delivery.CHANNEL_PACE_SECONDS = 0.0
    try:
        deadline = time.monotonic() + timeout
        while (left := pending_outbox(h)) and time.monotonic() < deadline:
            h.worker.kick()
            time.sleep(0.1)
        return left
    finally:
        bot.delivery.CHANNEL_PACE_SECONDS = saved


def set_up_workspace(h: Harness) -> int:
    """50 workflows; one more with 40 stage owners; a 30-person AI council (domain calls).

    Returns how many stage owners had to be inserted directly because the domain refused them.
    """
    inserted = 0
    with session_scope(h.engine) as db:
        for name, channel in zip(WORKFLOW_NAMES, WORKFLOW_CHANNELS, strict=True):
            workflows.add_workflow(
                db, team_id=TEAM, name=name, channel_id=channel, actor=ADMIN_PERSON
            )
        mapped = workflows.add_workflow(
            db, team_id=TEAM, name=MAP_WORKFLOW, channel_id=MAP_CHANNEL, actor=ADMIN_PERSON
        )
        for role, user in (
            (OwnerRole.OUTCOME, BENCH_USERS[40]),
            (OwnerRole.WORKFLOW, BENCH_USERS[41]),
        ):
            owners.assign_owner(
                db, workflow=mapped, role=role, person=Person(id=user), actor=ADMIN_PERSON
            )
        for k in range(MAP_STAGES):
            stage, user = f"Stage {k + 1:02d}", BENCH_USERS[k]
            try:
                with db.begin_nested():
                    owners.assign_owner(
                        db,
                        workflow=mapped,
                        role=OwnerRole.STAGE,
                        person=Person(id=user),
                        actor=ADMIN_PERSON,
                        stage=stage,
                    )
            except InvalidInput:
                # Over the product's stage cap: store the row as data from before the cap was.
                db.add(
                    OwnerAssignment(
                        workflow_id=mapped.id or 0,
                        role=OwnerRole.STAGE,
                        stage=stage,
                        user_id=user,
                        assigned_by=ADMIN,
                    )
                )
                inserted += 1
        for user in BENCH_USERS[50 : 50 + MAP_COUNCIL]:
            council.add_member(db, team_id=TEAM, person=Person(id=user), actor=ADMIN_PERSON)
    return inserted


def help_scenario(h: Harness, *, n: int, clients: int, time_limit: float) -> Result:
    """`/cadence help`: answered in the ack itself."""
    h.reset_fake()

    def job(_i: int) -> Sample:
        return send(h, "/cadence", "help", user=EVE, channel=GENERAL, expect="Cadence commands")

    samples, wall = run_clients(job, n=n, clients=clients, time_limit=time_limit)
    return Result(f"/cadence help, {_who(clients)}", clients, n, samples, wall)


class OwnerCommands:
    """`/owner outcome @x WORKFLOW`, always handing the workflow to someone new."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.issued = 0

    def text(self, index: int) -> str:
        """The command text of the index-th assignment over the whole run."""
        workflow = index % len(WORKFLOW_NAMES)
        user = OWNER_POOL[(workflow + index // len(WORKFLOW_NAMES)) % len(OWNER_POOL)]
        return f"outcome <@{user}|{user.lower()}> {WORKFLOW_NAMES[workflow]}"

    def run(self, *, n: int, clients: int, time_limit: float, wait: bool = True) -> Result:
        """Send n assignments from `clients` clients; without `wait`, answers are awaited last."""
        self.h.reset_fake()
        base, self.issued = self.issued, self.issued + n

        def job(i: int) -> Sample:
            return send(
                self.h,
                "/owner",
                self.text(base + i),
                user=ADMIN,
                channel=GENERAL,
                expect="is now the",
                wait=wait,
            )

        samples, wall = run_clients(job, n=n, clients=clients, time_limit=time_limit)
        if not wait:
            deadline = time.monotonic() + ANSWER_TIMEOUT
            for sample in samples:
                if sample.key is not None:
                    left = max(0.1, deadline - time.monotonic())
                    collect_answer(self.h, sample, timeout=left, expect="is now the")
        mode = "" if wait else " without waiting for answers"
        return Result(f"/owner outcome, {_who(clients)}{mode}", clients, n, samples, wall)


def map_scenario(h: Harness, *, n: int, clients: int, time_limit: float) -> Result:
    """`/cadence map` of the workflow with 40 stage owners and a 30-person council."""
    h.reset_fake()

    def job(_i: int) -> Sample:
        return send(
            h, "/cadence", f"map {MAP_WORKFLOW}", user=EVE, channel=GENERAL, expect="Escalation map"
        )

    samples, wall = run_clients(job, n=n, clients=clients, time_limit=time_limit)
    return Result(
        f"/cadence map (40 stages, 30 council), {_who(clients)}", clients, n, samples, wall
    )


@dataclass
class OutboxRun:
    """What the outbox throughput measurement found."""

    messages: int
    targets: int
    enqueue_s: float
    deliver_s: float
    passes: int
    sent: int
    deferred: int
    retried: int
    failed: int
    posts_seen: int
    distinct_posts: int
    rows_sent: int
    rows_with_ts: int
    leftover_before: int

    @property
    def rate(self) -> float:
        """Messages delivered per second."""
        return self.sent / self.deliver_s if self.deliver_s else 0.0


def outbox_scenario(h: Harness, *, n: int, targets: int, time_limit: float) -> OutboxRun:
    """Enqueue n messages in one transaction, then time deliver_due() passes with pacing off.

    Stops the background worker first, so every pass is one this function makes and timed.
    """
    leftover = drain_outbox(h, timeout=60)
    h.worker.stop()
    h.reset_fake()
    run_id = uuid.uuid4().hex[:8]
    half = targets // 2
    to = [f"C0OB{i:03d}" for i in range(half)] + [f"U0OB{i:03d}" for i in range(targets - half)]
    started = time.monotonic()
    with session_scope(h.engine) as db:
        for i in range(n):
            outbox.post_message(
                db,
                key=f"bench:{run_id}:{i}",
                channel=to[i % targets],
                text=f"Benchmark message {i} [{run_id}:{i}]",
            )
    enqueue_s = time.monotonic() - started

    saved = bot.delivery.CHANNEL_PACE_SECONDS
    bot.delivery.CHANNEL_PACE_SECONDS = 0.0
    sent = deferred = retried = failed = passes = 0
    started = time.monotonic()
    try:
        while sent + failed < n and passes < 10 * n and time.monotonic() - started < time_limit:
            report = h.deliverer.deliver_due()
            passes += 1
            sent, deferred = sent + report.sent, deferred + report.deferred
            retried, failed = retried + report.retried, failed + report.failed
            if not (report.sent or report.deferred or report.retried or report.failed):
                time.sleep(0.01)  # nothing due this instant (a retry waiting): look again soon
    finally:
        deliver_s = time.monotonic() - started
        bot.delivery.CHANNEL_PACE_SECONDS = saved

    posts = [c for c in h.fake.calls_to("chat.postMessage") if run_id in str(c.params.get("text"))]
    with session_scope(h.engine) as db:
        mine = col(OutboxMessage.idempotency_key).startswith(f"bench:{run_id}:")
        done = mine & (OutboxMessage.status == OutboxStatus.SENT)
        rows_sent = int(db.exec(select(func.count()).where(done)).one())
        with_ts = done & col(OutboxMessage.result_ts).is_not(None)
        rows_with_ts = int(db.exec(select(func.count()).where(with_ts)).one())
    return OutboxRun(
        n,
        targets,
        enqueue_s,
        deliver_s,
        passes,
        sent,
        deferred,
        retried,
        failed,
        posts_seen=len(posts),
        distinct_posts=len({c.params.get("text") for c in posts}),
        rows_sent=rows_sent,
        rows_with_ts=rows_with_ts,
        leftover_before=leftover,
    )


def _who(clients: int) -> str:
    return "sequential" if clients == 1 else f"{clients} clients"
