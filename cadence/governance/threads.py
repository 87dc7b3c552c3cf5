"""Weekly governance sessions: opening the week's threads, votes and the coalesced live tally."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.canvas import refresh as canvas_refresh
from cadence.errors import InvalidInput
from cadence.governance.schedule import opening_moment, week_start_for
from cadence.governance.settings import load_schedule
from cadence.vocabulary import SessionKind, SessionStatus, WorkflowStatus
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import GovernanceSession, Workflow, pk

SYSTEM_ACTOR = "cadence"
WEEKLY_NUMBER = 0  # the weekly thread's number in its week; extra sessions count from 1


def parent_key(session_id: int) -> str:
    """Outbox key of a session's parent message (the thread)."""
    return f"governance:{session_id}:parent"


def tally_key_prefix(session_id: int) -> str:
    """Outbox keys of a session's coalesced refreshes start with this."""
    return f"governance:{session_id}:tally:"


def render_args(session_id: int, default_zone: str, **extra: str) -> dict[str, object]:
    """What the governance renderers need to rebuild a session's parent message."""
    return {"session_id": session_id, "tz": default_zone, **extra}


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


@dataclass(frozen=True)
class DueOpening:
    """A thread that is due this week and missing: which workflow, which week, since when."""

    workflow_id: int
    week_start: date
    opening: datetime


def due_openings(db: Session, *, team_id: str, default_zone: str) -> list[DueOpening] | None:
    """The threads of a workspace due by now and not yet open; None before this week's
    opening moment (nothing is due yet)."""
    schedule = load_schedule(db, team_id=team_id, default_zone=default_zone)
    moment = now()
    week = week_start_for(moment, schedule.timezone)
    opening = opening_moment(schedule, week)
    if moment < opening:
        return None
    workflows = db.exec(select(Workflow).where(Workflow.team_id == team_id)).all()
    return [
        DueOpening(w.id, week, opening)
        for w in workflows
        if w.id is not None and needs_thread(w, week, opening)
    ]


def active_teams(db: Session) -> list[str]:
    """Every workspace with a workflow that is not archived."""
    query = select(Workflow.team_id).where(col(Workflow.archived_at).is_(None)).distinct()
    return list(db.exec(query).all())


def open_session(
    db: Session, *, workflow_id: int, week_start: date, opening: datetime, default_zone: str
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
        status=SessionStatus.OPEN,
        tally_queued=False,
        created_at=now(),
    )
    if not created:
        return None
    session = weekly_session(db, workflow_id=workflow_id, week_start=week_start)
    assert session is not None  # inserted just now
    queue_parent(db, session, default_zone)
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
    # The canvas's KPI values are of the scorecard's week, which this thread moves on.
    canvas_refresh.on_new_week(db, workflow=workflow)
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


def queue_parent(db: Session, session: GovernanceSession, default_zone: str) -> None:
    """Queue the post of a session's parent message, drawn from the database when sent."""
    sid = pk(session)
    outbox.render_message(
        db,
        key=parent_key(sid),
        method="chat.postMessage",
        renderer=outbox.RendererName.GOVERNANCE_PARENT,
        args=render_args(sid, default_zone),
        team_id=session.team_id,
    )


def get_session(db: Session, *, session_id: int, team_id: str | None = None) -> GovernanceSession:
    """The session, or InvalidInput when it is gone (or belongs to another workspace)."""
    session = db.get(GovernanceSession, session_id)
    if session is None or (team_id is not None and session.team_id != team_id):
        raise InvalidInput("That governance thread no longer exists.")
    return session
