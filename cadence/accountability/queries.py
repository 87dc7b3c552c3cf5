"""Reading the accountability stack: who owns a workflow now, and the decision-rights map.

Every flow that asks "who holds this?" reads it here; owners.py and rights.py change it, and
authority.py judges with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from cadence.vocabulary import DecisionPoint, Duty, OwnerRole
from storage.models import DecisionRight, OwnerAssignment

OUTCOME_OWNER, WORKFLOW_OWNER, COUNCIL = "outcome_owner", "workflow_owner", "council"
STAGE_PREFIX = "stage:"

DEFAULT_PARTIES: dict[Duty, list[str]] = {
    Duty.RECOMMENDS: [WORKFLOW_OWNER],
    Duty.APPROVES: [OUTCOME_OWNER],
    Duty.EXECUTES: [WORKFLOW_OWNER],
    Duty.INFORMED: [COUNCIL],
}

RightsMap = dict[DecisionPoint, dict[Duty, list[str]]]
POINT_VALUES = {p.value for p in DecisionPoint}
DUTY_VALUES = {d.value for d in Duty}


@dataclass
class Owners:
    """Who currently owns a workflow."""

    outcome: str | None = None
    workflow: str | None = None
    stages: dict[str, str] = field(default_factory=dict)

    def gaps(self) -> list[str]:
        """What is missing, in words."""
        missing = []
        if self.outcome is None:
            missing.append("no outcome owner")
        if self.workflow is None:
            missing.append("no workflow owner")
        return missing

    def user_ids(self) -> set[str]:
        """Everyone who holds a role."""
        return {u for u in [self.outcome, self.workflow, *self.stages.values()] if u}


def current_owners(db: Session, *, workflow_id: int) -> Owners:
    """The owners in force now."""
    owners = Owners()
    for row in _current_rows(db, workflow_id):
        if row.role == OwnerRole.OUTCOME:
            owners.outcome = row.user_id
        elif row.role == OwnerRole.WORKFLOW:
            owners.workflow = row.user_id
        else:
            owners.stages[row.stage] = row.user_id
    return owners


def owner_history(db: Session, *, workflow_id: int) -> list[OwnerAssignment]:
    """Every assignment ever made on the workflow, oldest first."""
    query = select(OwnerAssignment).where(OwnerAssignment.workflow_id == workflow_id)
    return list(db.exec(query.order_by(col(OwnerAssignment.id))).all())


def _current_rows(db: Session, workflow_id: int) -> list[OwnerAssignment]:
    query = select(OwnerAssignment).where(
        OwnerAssignment.workflow_id == workflow_id, col(OwnerAssignment.ended_at).is_(None)
    )
    return list(db.exec(query.order_by(col(OwnerAssignment.id))).all())


def default_map() -> RightsMap:
    """Every decision point with the default parties."""
    return {p: {d: list(parties) for d, parties in DEFAULT_PARTIES.items()} for p in DecisionPoint}


def rights_map(db: Session, *, workflow_id: int) -> RightsMap:
    """The map in force: stored entries over the defaults."""
    result = default_map()
    rows = db.exec(select(DecisionRight).where(DecisionRight.workflow_id == workflow_id)).all()
    for row in rows:
        if row.decision_point in POINT_VALUES and row.duty in DUTY_VALUES:
            result[DecisionPoint(row.decision_point)][Duty(row.duty)] = list(row.parties)
    return result


def stage_party(stage: str) -> str:
    """The party token of a stage owner."""
    return f"{STAGE_PREFIX}{stage}"


def resolve_party(token: str, owners: Owners, council_ids: list[str]) -> list[str]:
    """The people a party stands for right now (may be nobody)."""
    if token == OUTCOME_OWNER:
        return [owners.outcome] if owners.outcome else []
    if token == WORKFLOW_OWNER:
        return [owners.workflow] if owners.workflow else []
    if token == COUNCIL:
        return list(council_ids)
    if token.startswith(STAGE_PREFIX):
        user = owners.stages.get(token.removeprefix(STAGE_PREFIX))
        return [user] if user else []
    return []
