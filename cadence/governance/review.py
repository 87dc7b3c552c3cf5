"""Governance sessions on demand: `/cadence review` and risk reviews, beside the weekly thread.

An extra session is a governance thread like the weekly one (votes, decision, reminders,
latency, the decision log) for the scorecard week being reported now. It is numbered within
its week and unique on the key of what asked for it (a Slack request, a breach), so a retried
request or a double click finds the session it already opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance import scorecard, threads
from cadence.governance.settings import load_schedule
from cadence.vocabulary import SessionKind, SessionStatus
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import GovernanceSession, Workflow, pk

REASON_MAX = 500
TITLE_MAX = 150
# The same person asking again for the same workflow and reason this soon is a double submit.
DOUBLE_SUBMIT = timedelta(minutes=2)


@dataclass(frozen=True)
class Opened:
    """A session on demand, and whether this request opened it (False: it already existed)."""

    session: GovernanceSession
    created: bool


def clean_reason(reason: str | None) -> str | None:
    """The reason on one line, or None; InvalidInput when it is too long."""
    cleaned = " ".join((reason or "").split())
    if len(cleaned) > REASON_MAX:
        raise InvalidInput(f"Please keep the reason to {REASON_MAX} characters.", field="reason")
    return cleaned or None


def request_review(
    db: Session,
    *,
    workflow: Workflow,
    actor_id: str,
    reason: str | None,
    request_key: str,
    default_zone: str,
) -> Opened:
    """Open an extra session asked for by an owner or a council member (once per request)."""
    authority.require_review_authority(db, workflow=workflow, user_id=actor_id)
    return open_extra_session(
        db,
        workflow=workflow,
        kind=SessionKind.EXTRA,
        opened_by=actor_id,
        reason=clean_reason(reason),
        request_key=request_key,
        default_zone=default_zone,
    )


def open_extra_session(
    db: Session,
    *,
    workflow: Workflow,
    kind: SessionKind,
    opened_by: str,
    reason: str | None,
    request_key: str,
    default_zone: str,
    title: str | None = None,
    week_start: date | None = None,
) -> Opened:
    """Number and store the session, queue its thread and audit it; an existing key returns
    the session it opened. `week_start` defaults to the scorecard week being reported now.
    The caller has checked who may."""
    existing = _already_opened(db, workflow, kind, opened_by, reason, request_key)
    if existing is not None:
        return Opened(existing, False)
    schedule = load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    week = week_start or scorecard.scorecard_week(db, workflow=workflow, schedule=schedule)
    number = next_number(db, workflow_id=pk(workflow), week_start=week)
    insert_if_absent(
        db,
        GovernanceSession,
        key=["request_key"],
        team_id=workflow.team_id,
        workflow_id=workflow.id,
        week_start=week,
        kind=kind.value,
        number=number,
        title=title[:TITLE_MAX] if title else None,
        reason=reason,
        opened_by=opened_by,
        request_key=request_key,
        channel_id=workflow.channel_id,
        status=SessionStatus.OPEN,
        tally_queued=False,
        created_at=now(),
    )
    session = by_request_key(db, request_key)
    assert session is not None  # inserted just now
    threads.queue_parent(db, session, default_zone)
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=opened_by,
        action="governance.opened",
        workflow_id=workflow.id,
        session_id=session.id,
        week_start=week.isoformat(),
        kind=kind.value,
        number=number,
        reason=reason,
        title=session.title,
    )
    return Opened(session, True)


def _already_opened(
    db: Session,
    workflow: Workflow,
    kind: SessionKind,
    opened_by: str,
    reason: str | None,
    request_key: str,
) -> GovernanceSession | None:
    """The session this request (or the same person's double submit) already opened; when
    none, the workflow stays locked until the caller's transaction ends."""
    if (existing := by_request_key(db, request_key)) is not None:
        return existing
    lock_workflow(db, pk(workflow))
    # Now serialized with any other request on this workflow: look again.
    existing = by_request_key(db, request_key)
    if existing is None and kind == SessionKind.EXTRA:
        existing = _double_submit(db, workflow, opened_by, reason)
    return existing


def next_number(db: Session, *, workflow_id: int, week_start: date) -> int:
    """The number of the workflow's next session that week (the weekly one is 0)."""
    highest = db.exec(
        select(func.max(GovernanceSession.number)).where(
            GovernanceSession.workflow_id == workflow_id, GovernanceSession.week_start == week_start
        )
    ).one()
    return int(highest or 0) + 1


def by_request_key(db: Session, request_key: str) -> GovernanceSession | None:
    """The session opened for a request key, if any."""
    query = select(GovernanceSession).where(GovernanceSession.request_key == request_key)
    return db.exec(query).first()


def lock_workflow(db: Session, workflow_id: int) -> None:
    """A first write that serializes changes to one workflow's sessions: two requests number
    their sessions one after the other (a row lock on PostgreSQL, the write lock on SQLite)."""
    db.exec(  # type: ignore[call-overload]
        update(Workflow)
        .where(col(Workflow.id) == workflow_id)
        .values(name=col(Workflow.name))
        .execution_options(synchronize_session=False)
    )


def _double_submit(
    db: Session, workflow: Workflow, opened_by: str, reason: str | None
) -> GovernanceSession | None:
    """The open session this person asked for moments ago with the same reason, if any."""
    latest = db.exec(
        select(GovernanceSession)
        .where(
            GovernanceSession.workflow_id == workflow.id,
            GovernanceSession.kind == SessionKind.EXTRA.value,
            GovernanceSession.opened_by == opened_by,
            GovernanceSession.status == SessionStatus.OPEN,
            GovernanceSession.created_at > now() - DOUBLE_SUBMIT,
        )
        .order_by(col(GovernanceSession.id).desc())
    ).first()
    return latest if latest is not None and latest.reason == reason else None
