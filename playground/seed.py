"""A fresh workspace, filled through the bot as people would fill it: the council, one workflow
with its owners, KPI tree and map, three decided weeks of governance (scorecards, votes,
decisions), this week's thread under way, and one open escalation. Every step is a signed
request to the bot."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import select

from playground.cast import (
    ADMIN,
    BY_NAME,
    COUNCIL,
    GOVERNANCE,
    OUTCOME_OWNER,
    VOTERS,
    WORKFLOW,
    WORKFLOW_OWNER,
    Member,
)
from playground.clock import SimulatedClock, this_monday_nine
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from storage.db import session_scope
from storage.models import OutboxMessage

WAIT_SECONDS = 10.0


class SeedFailed(RuntimeError):
    """The bot did not answer a seeding step the way a person would expect."""


@dataclass(frozen=True)
class Week:
    """One past week: what was reported, how people voted, what the outcome owner decided."""

    metrics: dict[str, str]
    votes: tuple[str, ...]
    decision: str
    rationale: str
    follow_up: tuple[str, str] | None = None  # (what, owner's name), due a week later


HISTORY = (
    Week(
        {"Throughput": "1180", "Quality trend": "91", "Exception rate": "7.5", "Rework": "42"},
        ("stabilize", "stabilize", "pause", "stabilize", "continue"),
        "stabilize",
        "Refund errors are up; fix the refund intents before adding queues.",
        ("Add a human check on refunds over $500", "sam"),
    ),
    Week(
        {"Throughput": "1240", "Quality trend": "94.5", "Exception rate": "5.2", "Rework": "30"},
        ("continue", "stabilize", "continue", "continue", "continue"),
        "continue",
        "The human check halved refund errors; keep going.",
    ),
    Week(
        {"Throughput": "1320", "Quality trend": "96", "Exception rate": "4.1", "Rework": "21"},
        ("continue", "continue", "continue", "stabilize", "continue"),
        "continue",
        "Quality is back above target; next, retrain the intent model.",
        ("Retrain the intent model on last quarter's tickets", "noah"),
    ),
)
THIS_WEEK = {"Throughput": "1350", "Quality trend": "95.5"}
# The KPI tree's leaf values, reported with the scorecard: the three past weeks, then this one.
KPI_WEEKS = (
    {"RAG": "88", "Latency": "2.8", "Intent": "93"},
    {"RAG": "90", "Latency": "2.4", "Intent": "95.5"},
    {"RAG": "92.5", "Latency": "1.9", "Intent": "97.2"},
    {"RAG": "93", "Latency": "1.8"},
)
UNITS = {
    "Throughput": "Throughput (items/week)",
    "Quality trend": "Quality trend (percent, 0-100)",
    "Exception rate": "Exception rate (percent, 0-100)",
    "Rework": "Rework volume (items)",
    "RAG": "RAG retrieval accuracy (%)",
    "Latency": "p95 response latency (s)",
    "Intent": "Refund intent accuracy (%)",
}
# The outcome owner's KPI tree: what the workflow's technical inputs serve, up to the business.
KPI_TREE = """goal | Net revenue retention | % | 110 | higher
driver | Reduce churn through automated support | % churn | 5 | lower | Net revenue retention
metric | Tier-1 queries resolved | % | 85 | higher | Reduce churn through automated support
metric | Refunds issued correctly | % | 99 | higher | Reduce churn through automated support
input | RAG retrieval accuracy | % | 92 | higher | Tier-1 queries resolved
input | p95 response latency | s | 2 | lower | Tier-1 queries resolved
input | Refund intent accuracy | % | 97 | higher | Refunds issued correctly"""
KPI_LINKS = {
    "kpi-link-quality": "Tier-1 queries resolved",
    "kpi-link-exception_rate": "Refunds issued correctly",
}


def mention(member: Member) -> str:
    """A user mention the way Slack escapes it in a command's text."""
    return f"<@{member.id}|{member.name}>"


class Seeder:
    """Plays the people of the workspace toward the bot, moving the clock between steps."""

    def __init__(
        self,
        *,
        sim: SlackSim,
        fake: FakeSlack,
        clock: SimulatedClock,
        engine: Engine,
        deliver: Callable[[], object],
        open_threads: Callable[[], object],
    ) -> None:
        self.sim, self.fake, self.clock, self.engine = sim, fake, clock, engine
        self.deliver, self.open_threads = deliver, open_threads

    # ----- what a person does ------------------------------------------------------------------

    def command(self, user: Member, command: str, text: str, *, answered: bool = True) -> None:
        """Type a slash command in the governance channel (and wait for the bot's answer)."""
        reply = self.sim.command(
            command, text, user=user.id, channel=GOVERNANCE, channel_name="ai-support-gov"
        )
        if reply.status != 200:
            raise SeedFailed(f"{command} {text} answered {reply.status}: {reply.body[:200]}")
        if answered and not reply.body.strip() and reply.response_url:
            key = reply.response_url
            self.wait(lambda: self.fake.responses(key), f"the answer to {command} {text}")

    def form(self, user: Member, command: str, text: str, values: dict[str, object]) -> None:
        """Open a form with a command, fill it in, submit it and close it."""
        self.command(user, command, text, answered=False)
        self.submit_open_form(user, values)

    def submit_open_form(self, user: Member, values: dict[str, object]) -> None:
        """Submit the modal in front of `user` (waiting for it to open), then close it."""
        self.wait(lambda: self.fake.modals(user.id), f"a form for {user.name}")
        view = self.fake.modals(user.id)[-1]
        reply = self.sim.submit(view, user=user.id, values=values)
        if reply.status != 200 or (reply.json or {}).get("response_action") == "errors":
            raise SeedFailed(f"{view.get('callback_id')} refused: {reply.body[:300]}")
        for modal in self.fake.modals(user.id)[:1]:
            self.fake.close_view(modal["id"], everything=True)

    def click(self, user: Member, message: dict, action_id: str, *, answered: bool = True) -> None:
        """Click a button of a message (and wait for the bot's private answer)."""
        reply = self.sim.click(message, user=user.id, action_id=action_id)
        if reply.status != 200:
            raise SeedFailed(f"{action_id} answered {reply.status}: {reply.body[:200]}")
        if answered and reply.response_url:
            key = reply.response_url
            self.wait(lambda: self.fake.responses(key), f"the answer to {action_id}")

    # ----- waiting and time --------------------------------------------------------------------

    def wait(self, ready: Callable[[], object], what: str) -> None:
        """Until `ready()` is true, delivering the outbox meanwhile."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not ready():
            if time.monotonic() > deadline:
                said = [str(body.get("text", ""))[:200] for body in self.fake.responses()[-3:]]
                raise SeedFailed(f"waited {WAIT_SECONDS:.0f}s for {what}; the bot last said {said}")
            self.deliver()
            time.sleep(0.05)

    def settle(self) -> None:
        """Deliver every message that is due (time moves on past pacing and deferrals)."""
        for _ in range(100):
            self.deliver()
            with session_scope(self.engine) as db:
                pending = [
                    f"{m.idempotency_key} ({m.attempts} attempts, {m.last_error})"
                    for m in db.exec(select(OutboxMessage).where(OutboxMessage.status == "pending"))
                ]
            if not pending:
                return
            self.at(self.clock() + timedelta(seconds=5))
        raise SeedFailed(f"still pending: {pending}")

    def at(self, moment: datetime) -> None:
        """Set the clock (seeding walks it from the past up to now)."""
        self.clock.jump_to(moment)

    def thread(self) -> dict:
        """This week's governance thread parent in the governance channel."""
        self.wait(self._parents, "the weekly thread")
        return self._parents()[-1]

    def _parents(self) -> list[dict]:
        return [
            m
            for m in self.fake.messages(GOVERNANCE)
            if m["thread_ts"] is None and m["text"].startswith("Weekly governance")
        ]


def seed(seeder: Seeder, *, zone: str) -> None:
    """Fill a fresh workspace; the clock ends at the real time (or just after the last step)."""
    now = seeder.clock()
    monday = this_monday_nine(now, zone)
    seeder.at(monday - timedelta(weeks=len(HISTORY), days=3))
    staff(seeder)
    for weeks_ago, week, kpi in zip(
        range(len(HISTORY), 0, -1), HISTORY, KPI_WEEKS[:-1], strict=True
    ):
        past_week(seeder, monday - timedelta(weeks=weeks_ago), week, kpi)
    this_week(seeder, monday)
    seeder.at(max(now, seeder.clock()))


def staff(seeder: Seeder) -> None:
    """The council, the workflow, its owners, and its escalation map in the channel."""
    for member in COUNCIL:
        seeder.command(ADMIN, "/cadence", f"council add {mention(member)}")
    seeder.command(
        ADMIN,
        "/cadence",
        f"workflow add {WORKFLOW} in <#{GOVERNANCE}|ai-support-gov> "
        'outcome "resolve support tickets faster without refund errors" risk high',
    )
    seeder.command(ADMIN, "/owner", f"outcome {mention(OUTCOME_OWNER)} {WORKFLOW}")
    seeder.command(ADMIN, "/owner", f"workflow {mention(WORKFLOW_OWNER)} {WORKFLOW}")
    sam = BY_NAME["sam"]
    seeder.command(ADMIN, "/owner", f'stage "Exception handling" {mention(sam)} {WORKFLOW}')
    seeder.form(OUTCOME_OWNER, "/cadence", f"kpi {WORKFLOW}", {"kpi-tree": KPI_TREE, **KPI_LINKS})
    seeder.command(OUTCOME_OWNER, "/cadence", f"map {WORKFLOW}")
    seeder.settle()


def open_week(seeder: Seeder, monday: datetime, metrics: dict[str, str]) -> dict:
    """Monday: the thread opens; an hour later the workflow owner reports the scorecard."""
    seeder.at(monday + timedelta(minutes=1))
    seeder.open_threads()
    parent = seeder.thread()
    seeder.at(monday + timedelta(hours=1))
    values = {UNITS[name]: value for name, value in metrics.items()}
    seeder.form(WORKFLOW_OWNER, "/cadence", f"scorecard {WORKFLOW}", values)
    seeder.settle()
    return parent


def past_week(seeder: Seeder, monday: datetime, week: Week, kpi: dict[str, str]) -> None:
    """A week that was decided on Tuesday, after five votes."""
    parent = open_week(seeder, monday, week.metrics | kpi)
    seeder.at(monday + timedelta(hours=3))
    for voter, choice in zip(VOTERS, week.votes, strict=True):
        seeder.click(voter, parent, f"governance-vote-{choice}")
    seeder.settle()
    seeder.at(monday + timedelta(days=1, hours=2))
    seeder.click(OUTCOME_OWNER, parent, "governance-record", answered=False)
    values: dict[str, object] = {"Decision": week.decision, "Rationale": week.rationale}
    if week.follow_up:
        what, owner = week.follow_up
        due = (monday + timedelta(days=7)).date().isoformat()
        values |= {
            "Follow-up 1: what": what,
            "Follow-up 1: owner": BY_NAME[owner].id,
            "Follow-up 1: due date": due,
        }
    seeder.submit_open_form(OUTCOME_OWNER, values)
    seeder.settle()


def this_week(seeder: Seeder, monday: datetime) -> None:
    """This week's thread is open with two votes; Sam raised an escalation nobody took yet."""
    parent = open_week(seeder, monday, THIS_WEEK | KPI_WEEKS[-1])
    for voter in VOTERS[:2]:
        seeder.click(voter, parent, "governance-vote-continue")
    seeder.at(monday + timedelta(hours=2))
    seeder.form(
        BY_NAME["sam"],
        "/escalate",
        "",
        {
            "Workflow": WORKFLOW,
            "Decision point": "Model change",
            "Severity": "sev-2",
            "What happened?": "Intent model v7 sends refund requests to the billing queue",
        },
    )
    seeder.settle()
