"""The decision-rights map: who recommends, approves, executes and is informed, per point.

Rights name roles ("the outcome owner"), not people, so they follow ownership changes.
Party tokens: "outcome_owner", "workflow_owner", "council", "stage:<stage name>".
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.accountability.queries import (
    COUNCIL,
    OUTCOME_OWNER,
    STAGE_PREFIX,
    WORKFLOW_OWNER,
    Owners,
    RightsMap,
    rights_map,
    stage_party,
)
from cadence.errors import InvalidInput
from cadence.people import Person
from cadence.text import escape
from cadence.vocabulary import DecisionPoint, Duty
from storage.clock import now
from storage.models import DecisionRight, Workflow, pk

DUTY_NOUNS: dict[Duty, str] = {
    Duty.RECOMMENDS: "recommender",
    Duty.APPROVES: "approver",
    Duty.EXECUTES: "executor",
    Duty.INFORMED: "informed party",
}


@dataclass(frozen=True)
class RightsChange:
    """One duty at one decision point that changed."""

    point: DecisionPoint
    duty: Duty
    before: list[str]
    after: list[str]


def valid_parties(owners: Owners) -> list[str]:
    """Parties that may be named in this workflow's map."""
    return [OUTCOME_OWNER, WORKFLOW_OWNER, *(stage_party(s) for s in owners.stages), COUNCIL]


def party_label(token: str) -> str:
    """How a party reads: 'Outcome owner', 'Stage owner (Intake)', 'AI council'."""
    if token.startswith(STAGE_PREFIX):
        return f"Stage owner ({escape(token.removeprefix(STAGE_PREFIX))})"
    return {OUTCOME_OWNER: "Outcome owner", WORKFLOW_OWNER: "Workflow owner",
            COUNCIL: "AI council"}.get(token, token)  # fmt: skip


def update_rights(
    db: Session, *, workflow: Workflow, owners: Owners, wanted: RightsMap, actor: Person
) -> list[RightsChange]:
    """Store the duties that differ from the map in force; audit and announce the changes."""
    authority.require_map_authority(db, team_id=workflow.team_id, actor=actor, workflow=workflow)
    allowed = set(valid_parties(owners))
    current = rights_map(db, workflow_id=pk(workflow))
    changes: list[RightsChange] = []
    for point, duties in wanted.items():
        for duty, parties in duties.items():
            unknown = [p for p in parties if p not in allowed]
            if unknown:
                raise InvalidInput(
                    f"{point.label} / {duty.value}: {party_label(unknown[0])} is not a role on "
                    f"*{escape(workflow.name)}*. Pick an owner role or the AI council."
                )
            parties = list(dict.fromkeys(parties))
            if parties != current[point][duty]:
                changes.append(RightsChange(point, duty, current[point][duty], parties))
    for change in changes:
        _store(db, pk(workflow), change, actor.id)
    if changes:
        event = audit.record(
            db, team_id=workflow.team_id, actor=actor.id, action="rights.updated",
            workflow_id=workflow.id,
            changes=[{"point": c.point.value, "duty": c.duty.value, "before": c.before,
                      "after": c.after} for c in changes],
        )  # fmt: skip
        lines = [f"• {describe_change(c)}" for c in changes[:15]]
        if len(changes) > 15:
            lines.append(f"• …and {len(changes) - 15} more")
        outbox.post_message(
            db,
            key=f"rights-updated:{event.id}:notice",
            team_id=workflow.team_id,
            channel=workflow.channel_id,
            text=f"{actor.mention} updated the decision rights of *{escape(workflow.name)}*:\n"
            + "\n".join(lines),
        )
    return changes


def describe_change(change: RightsChange) -> str:
    """'Budget — approves: Outcome owner → AI council'."""

    def show(parties: list[str]) -> str:
        return ", ".join(party_label(p) for p in parties) or "nobody"

    return (
        f"{change.point.label} — {change.duty.value}: {show(change.before)} → {show(change.after)}"
    )


def _store(db: Session, workflow_id: int, change: RightsChange, actor_id: str) -> None:
    row = db.exec(
        select(DecisionRight).where(
            DecisionRight.workflow_id == workflow_id,
            DecisionRight.decision_point == change.point,
            DecisionRight.duty == change.duty,
        )
    ).first()
    if row is None:
        row = DecisionRight(
            workflow_id=workflow_id,
            decision_point=change.point,
            duty=change.duty,
            parties=change.after,
            updated_by=actor_id,
        )
    else:
        row.parties, row.updated_by, row.updated_at = change.after, actor_id, now()
    db.add(row)
    db.flush()
