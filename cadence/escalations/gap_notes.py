"""Closing ownership gaps: the outcome owner acknowledges a gap with a note, or an explicit
hand-off of the escalation afterwards settles who holds it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import false
from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability.queries import current_owners
from cadence.errors import InvalidInput, NotAuthorized
from cadence.people import mention
from cadence.text import escape
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import Escalation, EscalationEvent, GapAcknowledgement, Workflow, pk

NOTE_MAX = 1000
HAND_OFF = "handed_off"


@dataclass(frozen=True)
class GapClosure:
    """How a gap was closed: acknowledged with a note, or by a later hand-off."""

    how: str  # "acknowledged" or "handed off"
    by: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class WorkflowGap:
    """One ownership gap of a workflow and, if it is closed, how."""

    event: EscalationEvent
    closure: GapClosure | None


def closures(db: Session, *, event_ids: list[int]) -> dict[int, GapClosure]:
    """How each of these gap events was closed (absent: still open)."""
    if not event_ids:
        return {}
    found: dict[int, GapClosure] = {}
    events = db.exec(select(EscalationEvent).where(col(EscalationEvent.id).in_(event_ids))).all()
    hand_offs = db.exec(
        select(EscalationEvent)
        .where(col(EscalationEvent.escalation_id).in_({e.escalation_id for e in events}))
        .where(col(EscalationEvent.authorized), EscalationEvent.kind == HAND_OFF)
        .order_by(col(EscalationEvent.id))
    ).all()
    for event in events:
        later = [h for h in hand_offs if h.escalation_id == event.escalation_id and h.id > event.id]
        if later:
            found[pk(event)] = GapClosure("handed off", later[0].actor,
                                                   later[0].created_at)  # fmt: skip
    for ack in db.exec(
        select(GapAcknowledgement).where(col(GapAcknowledgement.event_id).in_(event_ids))
    ).all():
        found[ack.event_id] = GapClosure("acknowledged", ack.acknowledged_by, ack.created_at,
                                         ack.note)  # fmt: skip
    return found


def workflow_gaps(db: Session, *, workflow_id: int) -> list[WorkflowGap]:
    """Every ownership gap of the workflow's escalations, oldest first, with its closure."""
    events = db.exec(
        select(EscalationEvent)
        .join(Escalation, col(Escalation.id) == col(EscalationEvent.escalation_id))
        .where(Escalation.workflow_id == workflow_id)
        .where(col(EscalationEvent.authorized) == false())
        .order_by(col(EscalationEvent.id))
    ).all()
    closed = closures(db, event_ids=[pk(e) for e in events])
    return [WorkflowGap(e, closed.get(pk(e))) for e in events]


def acknowledgeable(
    db: Session, *, event_id: int, team_id: str, actor_id: str
) -> tuple[EscalationEvent, Escalation, Workflow]:
    """The gap, if it exists in this workspace and `actor_id` is its workflow's outcome owner
    (else InvalidInput or NotAuthorized)."""
    event = db.get(EscalationEvent, event_id)
    escalation = db.get(Escalation, event.escalation_id) if event is not None else None
    if event is None or escalation is None or escalation.team_id != team_id or event.authorized:
        raise InvalidInput("That ownership gap no longer exists. `/cadence gaps` lists them.")
    workflow = db.get(Workflow, escalation.workflow_id)
    assert workflow is not None  # foreign key
    owner = current_owners(db, workflow_id=escalation.workflow_id).outcome
    if actor_id != owner:
        raise NotAuthorized(
            f"Sorry, gaps on *{escape(workflow.name)}* are acknowledged by its outcome owner "
            f"({mention(owner) if owner else 'none yet'})."
        )
    return event, escalation, workflow


def acknowledge_gap(db: Session, *, event_id: int, team_id: str, actor_id: str, note: str) -> str:
    """Record the outcome owner's note on a gap (once per gap); the answer to show them."""
    _, escalation, workflow = acknowledgeable(
        db, event_id=event_id, team_id=team_id, actor_id=actor_id
    )
    cleaned = " ".join(note.split())
    if not cleaned:
        raise InvalidInput("Please say in a note how the gap is closed.", field="note")
    if len(cleaned) > NOTE_MAX:
        raise InvalidInput(f"Please keep the note to {NOTE_MAX} characters.", field="note")
    inserted = insert_if_absent(
        db,
        GapAcknowledgement,
        key=["event_id"],
        team_id=team_id,
        event_id=event_id,
        note=cleaned,
        acknowledged_by=actor_id,
        created_at=now(),
    )
    if not inserted:
        return f"That gap on escalation #{escalation.id} was already acknowledged; nothing changed."
    audit.record(
        db,
        team_id=team_id,
        actor=actor_id,
        action="gap.acknowledged",
        workflow_id=workflow.id,
        escalation_id=escalation.id,
        event_id=event_id,
        note=cleaned,
    )
    return f":white_check_mark: Acknowledged the ownership gap on escalation #{escalation.id}."
