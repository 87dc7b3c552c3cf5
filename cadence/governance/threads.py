"""Weekly governance sessions: opening the week's threads, votes and the coalesced live tally."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.errors import InvalidInput
from cadence.governance.schedule import (
    Schedule,
    local_time,
    next_opening,
    opening_moment,
    week_start_for,
)
from cadence.governance.settings import load_schedule
from cadence.vocabulary import ScorecardMetric, SessionKind, WorkflowStatus
from storage.clock import now
from storage.db import insert_if_absent, session_scope
from storage.models import GovernanceSession, Workflow

SYSTEM_ACTOR = "cadence"
OPEN, DECIDED = "open", "decided"
WEEKLY_NUMBER = 0  # the weekly thread's number in its week; extra sessions count from 1


def parent_key(session_id: int) -> str:
    """Outbox key of a session's parent message (the thread)."""
    return f"governance:{session_id}:parent"


def tally_key_prefix(session_id: int) -> str:
    """Outbox keys of a session's coalesced refreshes start with this."""
    return f"governance:{session_id}:tally:"


def render_args(session_id: int, default_timezone: str, **extra: str) -> dict[str, object]:
    """What the governance renderers need to rebuild a session's parent message."""
    return {"session_id": session_id, "tz": default_timezone, **extra}


@dataclass
class OpeningReport:
    """What one run of the opening job did, and why workflows got no thread."""

    opened: list[int] = field(default_factory=list)
    already_open: int = 0
    teams_due: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for logs and the CLI, then one line per workflow left without a thread."""
        line = (
            f"opened {len(self.opened)} thread(s), {self.already_open} already open, "
            f"{self.teams_due} workspace(s) due"
        )
        return "\n".join([line, *(f"  {note}" for note in self.notes)])


def needs_thread(workflow: Workflow, week_start: date, opening: datetime) -> bool:
    """Whether a workflow gets a thread this week: registered before the opening, not
    archived, and not stopped (a stopped workflow returns when its re-review week comes)."""
    if workflow.archived_at is not None or workflow.created_at >= opening:
        return False
    if workflow.status != WorkflowStatus.STOPPED:
        return True
    return workflow.re_review_on is not None and workflow.re_review_on < week_start + timedelta(7)


def open_due_sessions(engine: Engine, *, default_timezone: str) -> OpeningReport:
    """Open every thread that is due this week and missing; safe to run any number of times,
    in any number of processes (one short transaction per workflow)."""
    report = OpeningReport()
    with session_scope(engine) as db:
        teams = db.exec(
            select(Workflow.team_id).where(col(Workflow.archived_at).is_(None)).distinct()
        ).all()
    for team_id in teams:
        with session_scope(engine) as db:
            schedule = load_schedule(db, team_id=team_id, default_timezone=default_timezone)
            moment = now()
            week = week_start_for(moment, schedule.timezone)
            opening = opening_moment(schedule, week)
            active = db.exec(
                select(Workflow).where(
                    Workflow.team_id == team_id, col(Workflow.archived_at).is_(None)
                )
            ).all()
            if moment < opening:
                report.notes.append(not_yet_note(schedule, opening, len(active)))
                continue
            report.teams_due += 1
            candidates = [w.id for w in active if w.id and needs_thread(w, week, opening)]
            report.notes += [
                skipped_note(w, schedule, opening)
                for w in active
                if not needs_thread(w, week, opening)
            ]
        for workflow_id in candidates:
            with session_scope(engine) as db:
                session = open_session(
                    db,
                    workflow_id=workflow_id,
                    week_start=week,
                    opening=opening,
                    default_timezone=default_timezone,
                )
            if session is None:
                report.already_open += 1
            else:
                report.opened.append(session.id or 0)
    return report


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


def not_yet_note(schedule: Schedule, opening: datetime, workflows: int) -> str:
    """Why nothing opened in a workspace whose opening has not come yet this week."""
    at = local_time(opening, schedule.timezone)
    return (
        f"Not due yet: this week's threads open {_day(at)} {at:%H:%M} ({schedule.timezone}) "
        f"for {workflows} workflow(s); `/cadence review WORKFLOW` opens one now."
    )


def skipped_note(workflow: Workflow, schedule: Schedule, opening: datetime) -> str:
    """Why a workflow got no weekly thread this week, when its first one comes, and what to do."""
    now_command = f"`/cadence review {workflow.name}` opens one now"
    if workflow.created_at >= opening:
        at = local_time(opening, schedule.timezone)
        first = local_time(next_opening(schedule, workflow.created_at), schedule.timezone)
        return (
            f"{workflow.name} was registered after this week's opening ({at:%a %H:%M}); "
            f"its first weekly thread opens {_day(first)}; {now_command}."
        )
    review = workflow.re_review_on
    when = f" until its re-review week ({review:%a} {review.day} {review:%b})" if review else ""
    return f"{workflow.name} is stopped{when}, so it has no weekly thread; {now_command}."


def open_session(
    db: Session, *, workflow_id: int, week_start: date, opening: datetime, default_timezone: str
) -> GovernanceSession | None:
    """Create the week's session and queue its thread, unless it exists (then None)."""
    workflow = db.get(Workflow, workflow_id)
    if workflow is None or not needs_thread(workflow, week_start, opening):
        return None
    created = insert_if_absent(
        db,
        GovernanceSession,
        key=["workflow_id", "week_start", "number"],
        team_id=workflow.team_id,
        workflow_id=workflow_id,
        week_start=week_start,
        kind=SessionKind.WEEKLY.value,
        number=WEEKLY_NUMBER,
        channel_id=workflow.channel_id,
        status=OPEN,
        tally_queued=False,
        created_at=now(),
    )
    if not created:
        return None
    session = weekly_session(db, workflow_id=workflow_id, week_start=week_start)
    assert session is not None  # inserted just now
    queue_parent(db, session, default_timezone)
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=SYSTEM_ACTOR,
        action="governance.opened",
        workflow_id=workflow_id,
        session_id=session.id,
        week_start=week_start.isoformat(),
        kind=SessionKind.WEEKLY.value,
    )
    # Decision latency is computed over the week before the opening, so it is final now.
    # Imported here: a risk review opens its session through this module.
    from cadence.governance import risk_review

    risk_review.check(
        db,
        workflow=workflow,
        week_start=week_start,
        actor_id=SYSTEM_ACTOR,
        default_timezone=default_timezone,
        metrics=[ScorecardMetric.DECISION_LATENCY],
    )
    return session


def weekly_session(db: Session, *, workflow_id: int, week_start: date) -> GovernanceSession | None:
    """The weekly thread of a workflow's week, if it was opened."""
    return db.exec(
        select(GovernanceSession).where(
            GovernanceSession.workflow_id == workflow_id,
            GovernanceSession.week_start == week_start,
            GovernanceSession.number == WEEKLY_NUMBER,
        )
    ).first()


def queue_parent(db: Session, session: GovernanceSession, default_timezone: str) -> None:
    """Queue the post of a session's parent message, drawn from the database when sent."""
    sid = session.id or 0
    outbox.render_message(
        db,
        key=parent_key(sid),
        method="chat.postMessage",
        renderer="governance.parent",
        args=render_args(sid, default_timezone),
        team_id=session.team_id,
    )


def get_session(db: Session, *, session_id: int, team_id: str | None = None) -> GovernanceSession:
    """The session, or InvalidInput when it is gone (or belongs to another workspace)."""
    session = db.get(GovernanceSession, session_id)
    if session is None or (team_id is not None and session.team_id != team_id):
        raise InvalidInput("That governance thread no longer exists.")
    return session
