"""The append-only audit log: governance is evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from cadence.canvas import refresh as canvas_refresh
from storage import audit_chain
from storage.models import AuditEvent


def record(
    db: Session,
    *,
    team_id: str,
    actor: str,
    action: str,
    workflow_id: int | None = None,
    **detail: Any,
) -> AuditEvent:
    """Append one audit event to its workspace's hash chain; never updated or deleted afterwards.

    A change the workflow's channel canvas shows also queues its (coalesced) refresh here, the
    one place every such change passes through.
    """
    event = AuditEvent(
        team_id=team_id, actor=actor, action=action, workflow_id=workflow_id, detail=detail
    )
    appended = audit_chain.append(db, event)
    canvas_refresh.on_audited(db, team_id=team_id, action=action, workflow_id=workflow_id)
    return appended


def record_many(
    db: Session,
    *,
    team_id: str,
    action: str,
    workflow_id: int | None,
    entries: Sequence[tuple[str, dict[str, Any]]],
) -> None:
    """Append one event per (actor, detail) of `entries`, in order, as many `record` calls
    would, linked to the chain in one step (a batch of votes)."""
    events = [
        AuditEvent(team_id=team_id, actor=actor, action=action, workflow_id=workflow_id,
                   detail=detail)
        for actor, detail in entries
    ]  # fmt: skip
    if not events:
        return
    audit_chain.append_many(db, events)
    canvas_refresh.on_audited(db, team_id=team_id, action=action, workflow_id=workflow_id)


def record_without_waiting(
    db: Session, *, team_id: str, actor: str, action: str, **detail: Any
) -> None:
    """Audit an event that must not wait for a writer holding the workspace's chain (an API
    read): linked now if the chain is free, else kept aside and linked by the next append."""
    event = AuditEvent(team_id=team_id, actor=actor, action=action, detail=detail)
    audit_chain.append_or_leave(db, event)
    canvas_refresh.on_audited(db, team_id=team_id, action=action, workflow_id=None)


def waiting_teams(db: Session) -> list[str]:
    """The workspaces whose API reads wait to be linked into their audit chain."""
    return audit_chain.waiting_teams(db)


def link_waiting(db: Session, *, team_id: str) -> int:
    """Link the workspace's waiting audit events into its chain (waits for writers); how many."""
    return audit_chain.link_waiting(db, team_id=team_id)


def list_events(
    db: Session, *, team_id: str, workflow_id: int | None = None, action: str | None = None
) -> list[AuditEvent]:
    """Audit events, oldest first, optionally for one workflow or one kind of action."""
    query = select(AuditEvent).where(AuditEvent.team_id == team_id)
    if workflow_id is not None:
        query = query.where(AuditEvent.workflow_id == workflow_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    return list(db.exec(query.order_by(col(AuditEvent.id))).all())
