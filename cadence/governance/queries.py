"""Reading governance decisions: a workflow's decision log, and the last decision before a
session (what its thread shows as "last week's decision")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlmodel import Session, col, select

from storage.models import ActionItem, Decision, GovernanceSession

LOG_MAX = 10


@dataclass
class LogEntry:
    """One decision in a workflow's log."""

    session: GovernanceSession
    decision: Decision
    actions: list[ActionItem]


def decision_log(db: Session, *, workflow_id: int, limit: int = LOG_MAX) -> list[LogEntry]:
    """The workflow's decisions, newest first, with their follow-up actions."""
    rows = db.exec(
        select(GovernanceSession, Decision)
        .join(Decision, col(Decision.session_id) == col(GovernanceSession.id))
        .where(GovernanceSession.workflow_id == workflow_id)
        .order_by(col(GovernanceSession.week_start).desc(), col(Decision.id).desc())
        .limit(limit)
    ).all()
    entries = []
    for session, decision in rows:
        actions = db.exec(
            select(ActionItem)
            .where(ActionItem.decision_id == decision.id)
            .order_by(col(ActionItem.id))
        ).all()
        entries.append(LogEntry(session, decision, list(actions)))
    return entries


def latest_decision_before(db: Session, *, session: GovernanceSession) -> Decision | None:
    """The most recent decision of another session of the workflow: one of an earlier week,
    or one recorded before this session opened (an extra session beside this week's)."""
    return db.exec(
        select(Decision)
        .join(GovernanceSession, col(Decision.session_id) == col(GovernanceSession.id))
        .where(GovernanceSession.workflow_id == session.workflow_id)
        .where(col(GovernanceSession.id) != session.id)
        .where(
            or_(
                col(GovernanceSession.week_start) < session.week_start,
                col(Decision.created_at) < session.created_at,
            )
        )
        .order_by(col(Decision.created_at).desc(), col(Decision.id).desc())
    ).first()
