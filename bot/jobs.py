"""Scheduled jobs by name: what the scheduler runs and `cadence-bot jobs run NAME` runs now."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot import metrics
from bot.config import Settings
from bot.delivery import OutboxDeliverer
from bot.timezones import refresh_timezones
from cadence import audit
from cadence.evidence import report
from cadence.governance import risk_review
from cadence.governance import threads as governance
from cadence.governance.opening_notes import opening_notes
from cadence.reminders import sweep
from cadence.reminders.working_hours import stale_users
from cadence.reset import duties, lifecycle
from storage.clock import now
from storage.db import session_scope
from storage.models import pk

logger = logging.getLogger(__name__)


@dataclass
class JobRuntime:
    """What jobs may use."""

    settings: Settings
    engine: Engine
    deliverer: OutboxDeliverer


@dataclass(frozen=True)
class Job:
    """A named job; `trigger` (APScheduler trigger arguments) makes it scheduled."""

    name: str
    description: str
    run: Callable[[JobRuntime], str]
    trigger: dict[str, Any] = field(default_factory=dict)
    # Also run once as soon as the scheduler starts (catches up on what was missed while down).
    run_at_start: bool = False


def _deliver_outbox(runtime: JobRuntime) -> str:
    return runtime.deliverer.deliver_due().summary()


def _send_reminders(runtime: JobRuntime) -> str:
    moment = now()
    with session_scope(runtime.engine) as db:
        people: dict[str, set[str]] = {}
        for candidate in sweep.candidates(db, moment, runtime.settings.cadence_timezone):
            people.setdefault(candidate.team_id, set()).add(candidate.recipient)
        stale = {
            team: stale_users(db, team_id=team, user_ids=users, moment=moment)
            for team, users in people.items()
        }
    for team, users in stale.items():
        client = runtime.deliverer.clients.for_team(team)  # the workspace's own token
        if client is not None:
            refresh_timezones(client, runtime.engine, team_id=team, user_ids=users, moment=moment)
    with session_scope(runtime.engine) as db:
        report = sweep.sweep(db, moment=moment, default_zone=runtime.settings.cadence_timezone)
    return report.summary()


def open_due_threads(engine: Engine, *, default_zone: str) -> governance.OpeningReport:
    """Open every thread that is due this week and missing; safe to run any number of times,
    in any number of processes (one short transaction per workflow)."""
    report = governance.OpeningReport()
    with session_scope(engine) as db:
        teams = governance.active_teams(db)
    for team_id in teams:
        with session_scope(engine) as db:
            due = governance.due_openings(db, team_id=team_id, default_zone=default_zone)
            report.notes += opening_notes(db, team_id=team_id, default_zone=default_zone)
        if due is None:
            continue
        report.teams_due += 1
        for item in due:
            with session_scope(engine) as db:
                session = governance.open_session(
                    db,
                    workflow_id=item.workflow_id,
                    week_start=item.week_start,
                    opening=item.opening,
                    default_zone=default_zone,
                )
                if session is not None:
                    risk_review.check_week_opened(db, session=session, default_zone=default_zone)
                opened = session.id if session is not None else None
            if opened is None:
                report.already_open += 1
            else:
                report.opened.append(opened)
    return report


def _open_governance_threads(runtime: JobRuntime) -> str:
    report = open_due_threads(runtime.engine, default_zone=runtime.settings.cadence_timezone)
    if report.opened:
        runtime.deliverer.deliver_due()  # post now, also when run from the command line
    return report.summary()


@dataclass
class ReportRun:
    """What one run of the monthly council report job did."""

    made: list[str] = field(default_factory=list)  # "T123 2026-11"
    already: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        made = ", ".join(self.made) or "none"
        return f"made {len(self.made)} report(s) ({made}), {self.already} already made"


def make_due_reports(engine: Engine, *, default_zone: str) -> ReportRun:
    """Make and queue last month's council report wherever it is due and not yet made; one
    transaction per workspace, safe in any number of processes at once."""
    run = ReportRun()
    with session_scope(engine) as db:
        teams = report.report_teams(db)
    for team_id in teams:
        with session_scope(engine) as db:
            made = report.make_report_if_due(db, team_id=team_id, default_zone=default_zone)
        if made:
            run.made.append(f"{team_id} {made}")
        elif made == "":
            run.already += 1
    return run


def _council_report(runtime: JobRuntime) -> str:
    run = make_due_reports(runtime.engine, default_zone=runtime.settings.cadence_timezone)
    if run.made:
        runtime.deliverer.deliver_due()  # post now, also when run from the command line
    return run.summary()


def run_reset_duties(engine: Engine, *, default_zone: str) -> list[str]:
    """Do what is due for every running 30-day reset (Monday DMs, the day-28 review, the end
    and its summary, checklist updates); one transaction per reset, safe in any number of
    processes at once."""
    with session_scope(engine) as db:
        ids = [pk(r) for r in lifecycle.running(db)]
    done: list[str] = []
    for reset_id in ids:
        with session_scope(engine) as db:
            done += duties.run_duties(db, reset_id=reset_id, default_zone=default_zone)
    return done


def _accountability_resets(runtime: JobRuntime) -> str:
    done = run_reset_duties(runtime.engine, default_zone=runtime.settings.cadence_timezone)
    if done:
        runtime.deliverer.deliver_due()  # post now, also when run from the command line
    return f"{len(done)} reset step(s)" + (f": {', '.join(done)}" if done else "")


def _link_audit(runtime: JobRuntime) -> str:
    with session_scope(runtime.engine) as db:
        teams = audit.waiting_teams(db)
    linked = 0
    for team_id in teams:  # one short transaction per workspace's chain
        with session_scope(runtime.engine) as db:
            linked += audit.link_waiting(db, team_id=team_id)
    return f"linked {linked} waiting audit row(s)"


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            name="deliver-outbox",
            description="Send every due outbox message to Slack (runs continuously in the bot).",
            run=_deliver_outbox,
        ),
        Job(
            name="reminders",
            description=(
                "DM owners about unacknowledged escalations, undecided threads, unreported "
                "scorecards and due actions (every 2 minutes)."
            ),
            run=_send_reminders,
            trigger={"trigger": "interval", "minutes": 2},
        ),
        # Idempotent and cheap: it opens whatever is due and missing, so running it every
        # minute (and at start-up) follows settings changes and catches up after downtime.
        Job(
            name="open-governance-threads",
            description="Open this week's governance threads that are due and not yet open.",
            run=_open_governance_threads,
            trigger={"trigger": "interval", "minutes": 1},
            run_at_start=True,
        ),
        # Due on the first working day at 09:00; running every 10 minutes (and at start-up)
        # catches up after downtime, and uniqueness per workspace and month makes it once.
        Job(
            name="council-report",
            description="Make and send last month's AI council report where it is due.",
            run=_council_report,
            trigger={"trigger": "interval", "minutes": 10},
            run_at_start=True,
        ),
        # Each step is unique in the data (a reminder row per Monday, the review's request
        # key, the end's conditional update), so running every minute is safe and catches up.
        Job(
            name="accountability-resets",
            description=(
                "Run the 30-day resets: Monday DMs, the day-28 review, the end summary and "
                "checklist updates."
            ),
            run=_accountability_resets,
            trigger={"trigger": "interval", "minutes": 1},
            run_at_start=True,
        ),
        # API reads never wait for a writer's hold on the audit chain; what they left aside is
        # linked by the chain's next append, or here for a workspace that has gone quiet.
        Job(
            name="link-audit",
            description="Link API reads' audit rows left aside while a writer held the chain.",
            run=_link_audit,
            trigger={"trigger": "interval", "minutes": 1},
            run_at_start=True,
        ),
    ]
}


def run_job(job: Job, runtime: JobRuntime) -> str:
    """Run a job once, now; counted in /metrics as ok or failed.

    Every job is safe to run twice, or in two replicas at once, because of uniqueness in the
    data rather than a claim on the run: one thread per workflow per week, one reminder row
    per (subject, person, sequence), one outbox row per idempotency key, leased delivery.
    """
    try:
        outcome = job.run(runtime)
    except BaseException:
        metrics.JOBS.labels(job=job.name, outcome="failed").inc()
        raise
    metrics.JOBS.labels(job=job.name, outcome="ok").inc()
    logger.info("Job %s at %s: %s", job.name, now().isoformat(), outcome)
    return outcome
