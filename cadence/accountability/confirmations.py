"""The council's confirmation of a workflow's decision rights.

A confirmation keeps the rights as they stood; once the rights in force differ from that
snapshot (someone changed them afterwards), the confirmation no longer holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.accountability.queries import rights_map
from cadence.people import mention
from cadence.text import escape
from storage.clock import now
from storage.models import RightsConfirmation, Workflow, pk


@dataclass(frozen=True)
class Standing:
    """The latest confirmation of a workflow's rights and whether it still holds."""

    confirmation: RightsConfirmation
    holds: bool


def snapshot(db: Session, *, workflow_id: int) -> dict[str, Any]:
    """The rights in force as plain data: {point: {duty: [parties]}}."""
    return {
        point.value: {duty.value: list(parties) for duty, parties in duties.items()}
        for point, duties in rights_map(db, workflow_id=workflow_id).items()
    }


def standing(db: Session, *, workflow_id: int) -> Standing | None:
    """The latest confirmation, if any, and whether the rights are still what it confirmed."""
    latest = db.exec(
        select(RightsConfirmation)
        .where(RightsConfirmation.workflow_id == workflow_id)
        .order_by(col(RightsConfirmation.id).desc())
    ).first()
    if latest is None:
        return None
    return Standing(latest, latest.rights == snapshot(db, workflow_id=workflow_id))


def confirm_rights(db: Session, *, workflow: Workflow, actor_id: str) -> str:
    """A council member confirms the rights in force; anyone else is refused (and the attempt
    kept as evidence). The answer to show the person."""
    if not authority.is_council_member(db, team_id=workflow.team_id, user_id=actor_id):
        audit.record(db, team_id=workflow.team_id, actor=actor_id,
                     action="rights.confirm_refused", workflow_id=workflow.id)  # fmt: skip
        return (
            f"Sorry, only a member of the AI council can confirm the decision rights of "
            f"*{escape(workflow.name)}*. I noted the attempt; nothing changed."
        )
    current = standing(db, workflow_id=pk(workflow))
    if current is not None and current.holds:
        who = mention(current.confirmation.confirmed_by)
        return (
            f"The decision rights of *{escape(workflow.name)}* are already confirmed (by {who}) "
            "and unchanged since; nothing changed."
        )
    row = RightsConfirmation(
        team_id=workflow.team_id,
        workflow_id=pk(workflow),
        confirmed_by=actor_id,
        rights=snapshot(db, workflow_id=pk(workflow)),
        created_at=now(),
    )
    db.add(row)
    db.flush()
    audit.record(db, team_id=workflow.team_id, actor=actor_id, action="rights.confirmed",
                 workflow_id=workflow.id, confirmation_id=row.id)  # fmt: skip
    return (
        f":white_check_mark: You confirmed the decision rights of *{escape(workflow.name)}* as "
        "they stand. A later change to them voids this confirmation."
    )
