"""Weekly governance sessions: opening the week's threads, votes and the coalesced live tally."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, or_, update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.clock import now
from cadence.errors import Conflict, InvalidInput
from cadence.governance_settings import load_schedule
from cadence.schedule import opening_moment, week_start_for
from cadence.vocabulary import GovernanceChoice, OutboxStatus, WorkflowStatus
from storage.db import insert_if_absent, session_scope
from storage.models import Decision, GovernanceSession, OutboxMessage, Vote, Workflow

SYSTEM_ACTOR = "cadence"
OPEN, DECIDED = "open", "decided"


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
    """What one run of the opening job did."""

    opened: list[int] = field(default_factory=list)
    already_open: int = 0
    teams_due: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        return (
            f"opened {len(self.opened)} thread(s), {self.already_open} already open, "
            f"{self.teams_due} workspace(s) due"
        )


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
            if moment < opening:
                continue
            report.teams_due += 1
            candidates = [
                w.id
                for w in db.exec(select(Workflow).where(Workflow.team_id == team_id)).all()
                if w.id is not None and needs_thread(w, week, opening)
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
        key=["workflow_id", "week_start"],
        team_id=workflow.team_id,
        workflow_id=workflow_id,
        week_start=week_start,
        channel_id=workflow.channel_id,
        status=OPEN,
        tally_queued=False,
        created_at=now(),
    )
    if not created:
        return None
    session = db.exec(
        select(GovernanceSession).where(
            GovernanceSession.workflow_id == workflow_id, GovernanceSession.week_start == week_start
        )
    ).one()
    sid = session.id or 0
    outbox.render_message(
        db,
        key=parent_key(sid),
        method="chat.postMessage",
        renderer="governance.parent",
        args=render_args(sid, default_timezone),
        team_id=workflow.team_id,
    )
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=SYSTEM_ACTOR,
        action="governance.opened",
        workflow_id=workflow_id,
        session_id=sid,
        week_start=week_start.isoformat(),
    )
    return session


def get_session(db: Session, *, session_id: int, team_id: str | None = None) -> GovernanceSession:
    """The session, or InvalidInput when it is gone (or belongs to another workspace)."""
    session = db.get(GovernanceSession, session_id)
    if session is None or (team_id is not None and session.team_id != team_id):
        raise InvalidInput("That governance thread no longer exists.")
    return session


@dataclass
class VoteResult:
    """What a vote did."""

    choice: GovernanceChoice
    previous: GovernanceChoice | None
    changed: bool


def cast_vote(
    db: Session,
    *,
    session_id: int,
    voter: str,
    choice: GovernanceChoice,
    team_id: str,
    default_timezone: str,
) -> VoteResult:
    """Record or change one person's vote; refuse once the decision is recorded."""
    session = get_session(db, session_id=session_id, team_id=team_id)
    existing = db.exec(
        select(Vote).where(Vote.session_id == session_id, Vote.voter == voter)
    ).first()
    previous = GovernanceChoice(existing.choice) if existing is not None else None
    if session.status != OPEN:
        raise Conflict(_decided_message(db, session))
    if previous == choice:
        return VoteResult(choice, previous, False)
    # The first write: it orders concurrent votes on this session (a row lock on PostgreSQL,
    # the write lock on SQLite), and only the vote that raises the flag queues a refresh.
    flagged = queue_flag(db, session_id)
    db.refresh(session)
    if session.status != OPEN:
        raise Conflict(_decided_message(db, session))
    moment = now()
    inserted = insert_if_absent(
        db,
        Vote,
        key=["session_id", "voter"],
        session_id=session_id,
        voter=voter,
        choice=choice.value,
        created_at=moment,
    )
    if not inserted:
        db.exec(  # type: ignore[call-overload]
            update(Vote)
            .where(col(Vote.session_id) == session_id, col(Vote.voter) == voter)
            .values(choice=choice.value, updated_at=moment)
        )
    if flagged:
        _queue_refresh(db, session, default_timezone)
    audit.record(
        db,
        team_id=session.team_id,
        actor=voter,
        action="governance.voted",
        workflow_id=session.workflow_id,
        session_id=session_id,
        choice=choice.value,
        previous=previous.value if previous else None,
    )
    return VoteResult(choice, previous, True)


def queue_flag(db: Session, session_id: int) -> bool:
    """Raise the session's 'refresh queued' flag; True if this call raised it."""
    result = db.exec(  # type: ignore[call-overload]
        update(GovernanceSession)
        .where(
            col(GovernanceSession.id) == session_id, col(GovernanceSession.tally_queued).is_(False)
        )
        .values(tally_queued=True)
    )
    return bool(result.rowcount == 1)


def request_refresh(db: Session, *, session: GovernanceSession, default_timezone: str) -> None:
    """Ask for the parent message to be redrawn (coalesced with any refresh already queued)."""
    if queue_flag(db, session.id or 0):
        _queue_refresh(db, session, default_timezone)


def _queue_refresh(db: Session, session: GovernanceSession, default_timezone: str) -> None:
    sid = session.id or 0
    key = f"{tally_key_prefix(sid)}{uuid.uuid4().hex}"
    outbox.render_message(
        db,
        key=key,
        method="chat.update",
        renderer="governance.tally",
        args=render_args(sid, default_timezone, key=key),
        of=parent_key(sid),
        team_id=session.team_id,
    )


def take_refresh(db: Session, *, session_id: int, key: str) -> bool:
    """Called as a refresh is about to be sent: lower the flag first (so any later vote queues
    a new refresh), then say whether to send it. An older refresh still waiting its turn will
    read the database when it goes, so a newer one is redundant."""
    db.exec(  # type: ignore[call-overload]
        update(GovernanceSession)
        .where(col(GovernanceSession.id) == session_id)
        .values(tally_queued=False)
    )
    mine = db.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first()
    older_waiting = db.exec(
        select(func.count())
        .where(col(OutboxMessage.idempotency_key).startswith(tally_key_prefix(session_id)))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(col(OutboxMessage.id) < (mine or 0))
        .where(
            or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now())
        )
    ).one()
    return int(older_waiting) == 0


def tally(db: Session, *, session_id: int) -> dict[GovernanceChoice, int]:
    """Votes per choice (every choice present, zero when nobody chose it)."""
    counts = dict.fromkeys(GovernanceChoice, 0)
    rows = db.exec(
        select(Vote.choice, func.count()).where(Vote.session_id == session_id).group_by(Vote.choice)
    ).all()
    for choice, count in rows:
        if choice in GovernanceChoice.__members__.values():
            counts[GovernanceChoice(choice)] = int(count)
    return counts


def leading_choice(counts: dict[GovernanceChoice, int]) -> GovernanceChoice | None:
    """The choice with the most votes, or None when nobody voted or the top is tied."""
    best = max(counts.values(), default=0)
    leaders = [c for c, n in counts.items() if n == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def _decided_message(db: Session, session: GovernanceSession) -> str:
    decision = db.exec(select(Decision).where(Decision.session_id == session.id)).first()
    if decision is None:
        return "This governance thread is closed; votes can no longer change."
    return (
        f"The decision is already recorded (*{GovernanceChoice(decision.choice).label}* by "
        f"<@{decision.recorded_by}>), so votes can no longer change. Thanks for taking part!"
    )
