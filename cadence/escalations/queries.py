"""Reading escalations: one by number, mine, its timeline, and the ownership gaps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, func, or_
from sqlmodel import Session, col, select

from cadence.accountability import council
from cadence.errors import InvalidInput
from cadence.escalations import guardrails, messages
from cadence.vocabulary import EscalationStatus
from storage.models import Escalation, EscalationEvent, RiskTierRequest, Workflow

LIST_MAX, GAPS_MAX, TIMELINE_MAX = 15, 20, 30


@dataclass(frozen=True)
class Card:
    """An escalation as one person sees it in Slack (viewer None: the channel notice)."""

    escalation: Escalation
    workflow: Workflow
    council_ids: list[str]
    viewer: str | None
    buttons: bool
    # High-risk guardrail: a council member must review it before it can be resolved.
    review_needed: bool = False
    # A risk tier change waiting for the council's approval (approve / reject buttons).
    tier_change: RiskTierRequest | None = None


@dataclass(frozen=True)
class Listed:
    """One escalation in a list, with its workflow's name."""

    escalation: Escalation
    workflow_name: str


@dataclass(frozen=True)
class Gap:
    """A change of hands (or an attempt to act) without explicit authority."""

    event: EscalationEvent
    escalation: Escalation
    workflow_name: str


def card(db: Session, *, escalation_id: int, viewer: str | None) -> Card | None:
    """What a DM (viewer set) or the notice (viewer None) shows; None if it is gone."""
    escalation = db.get(Escalation, escalation_id)
    if escalation is None:
        return None
    workflow = db.get(Workflow, escalation.workflow_id)
    assert workflow is not None  # foreign key
    open_ = escalation.status != EscalationStatus.RESOLVED
    holds = viewer is None or viewer in messages.holders(db, escalation)
    return Card(escalation, workflow, council.member_ids(db, team_id=escalation.team_id), viewer,
                buttons=open_ and holds,
                review_needed=guardrails.needs_council_review(db, escalation),
                tier_change=guardrails.pending_tier_change(db, escalation))  # fmt: skip


def get_escalation(db: Session, *, team_id: str, number: int) -> Escalation:
    """Escalation #number of this workspace, or InvalidInput."""
    escalation = db.get(Escalation, number)
    if escalation is None or escalation.team_id != team_id:
        raise InvalidInput(
            f"There is no escalation #{number}. `/escalate list` shows yours.", field="number"
        )
    return escalation


def list_for(
    db: Session, *, team_id: str, user_id: str, limit: int = LIST_MAX
) -> tuple[list[Listed], int]:
    """Escalations the person raised or owns while open, newest first, and how many in all."""
    mine = or_(
        col(Escalation.raised_by) == user_id,
        (col(Escalation.routed_to) == user_id)
        & (col(Escalation.status) != EscalationStatus.RESOLVED),
    )
    where = (col(Escalation.team_id) == team_id) & mine
    total = db.exec(select(func.count()).select_from(Escalation).where(where)).one()
    rows = db.exec(
        select(Escalation, Workflow.name)
        .join(Workflow, col(Workflow.id) == col(Escalation.workflow_id))
        .where(where)
        .order_by(col(Escalation.id).desc())
        .limit(limit)
    ).all()
    return [Listed(e, name) for e, name in rows], int(total)


def timeline(
    db: Session, *, escalation_id: int, limit: int = TIMELINE_MAX
) -> list[EscalationEvent]:
    """The escalation's events, oldest first (the latest `limit`)."""
    rows = db.exec(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation_id)
        .order_by(col(EscalationEvent.id).desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def gaps_query(*, team_id: str, limit: int = GAPS_MAX) -> Any:
    """Events without explicit authority, newest first (served by ix_escalation_event_gaps)."""
    return (
        select(EscalationEvent, Escalation, Workflow.name)
        .join(Escalation, col(Escalation.id) == col(EscalationEvent.escalation_id))
        .join(Workflow, col(Workflow.id) == col(Escalation.workflow_id))
        .where(col(EscalationEvent.authorized) == false(), Escalation.team_id == team_id)
        .order_by(col(EscalationEvent.created_at).desc(), col(EscalationEvent.id).desc())
        .limit(limit)
    )


def recent_gaps(db: Session, *, team_id: str, limit: int = GAPS_MAX) -> list[Gap]:
    """The latest events without explicit authority, newest first."""
    rows = db.exec(gaps_query(team_id=team_id, limit=limit)).all()
    return [Gap(event, escalation, name) for event, escalation, name in rows]
