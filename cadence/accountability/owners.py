"""Owner assignments: outcome, workflow and stage owners, with their history."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.accountability.queries import _current_rows
from cadence.errors import InvalidInput
from cadence.people import Person, mention, require_assignable
from cadence.text import escape, has_markup
from cadence.vocabulary import OwnerRole
from storage.clock import now
from storage.models import OwnerAssignment, Workflow, pk

STAGE_MAX = 80
# Keeps the rights editor inside Slack's 100 options per select (roles + stages + nobody).
STAGES_PER_WORKFLOW_MAX = 25


@dataclass
class AssignmentResult:
    """What an assignment did."""

    assignment: OwnerAssignment
    previous: str | None
    changed: bool


def clean_stage(stage: str | None, role: OwnerRole, existing: list[str]) -> str:
    """The stage name to store: '' for non-stage roles, an existing spelling if it matches."""
    if role != OwnerRole.STAGE:
        return ""
    stage = " ".join((stage or "").strip().strip("\"'“”").split())
    if not stage:
        raise InvalidInput(
            'Which stage? Put its name in quotes, e.g. `/owner stage "Exception handling" '
            "@sam Support resolution`.",
            field="stage",
        )
    if len(stage) > STAGE_MAX:
        raise InvalidInput(f"Please keep stage names to {STAGE_MAX} characters.", field="stage")
    if has_markup(stage):
        raise InvalidInput("A stage name can't contain mentions, links, < or >.", field="stage")
    match = next((s for s in existing if s.casefold() == stage.casefold()), None)
    if match is None and len(existing) >= STAGES_PER_WORKFLOW_MAX:
        raise InvalidInput(
            f"A workflow can have at most {STAGES_PER_WORKFLOW_MAX} stages with owners.",
            field="stage",
        )
    return match or stage


def assign_owner(
    db: Session,
    *,
    workflow: Workflow,
    role: OwnerRole,
    person: Person,
    actor: Person,
    stage: str | None = None,
) -> AssignmentResult:
    """Make `person` the owner in `role`; the previous holder's row is ended, never overwritten."""
    authority.require_map_authority(db, team_id=workflow.team_id, actor=actor, workflow=workflow)
    require_assignable(person)
    rows = _current_rows(db, pk(workflow))
    stage_name = clean_stage(stage, role, [r.stage for r in rows if r.role == OwnerRole.STAGE])
    current = next((r for r in rows if r.role == role and r.stage == stage_name), None)
    if current is not None and current.user_id == person.id:
        return AssignmentResult(current, previous=person.id, changed=False)
    if current is not None:
        current.ended_at = now()
        current.ended_by = actor.id
        db.add(current)
        db.flush()
    assignment = OwnerAssignment(
        workflow_id=pk(workflow),
        role=role,
        stage=stage_name,
        user_id=person.id,
        assigned_by=actor.id,
    )
    db.add(assignment)
    db.flush()
    previous = current.user_id if current is not None else None
    audit.record(db, team_id=workflow.team_id, actor=actor.id, action="owner.assigned",
                 workflow_id=workflow.id, role=str(role), stage=stage_name or None,
                 user_id=person.id, previous_user_id=previous)  # fmt: skip
    _announce(db, workflow, assignment, previous, actor)
    return AssignmentResult(assignment, previous=previous, changed=True)


def role_phrase(role: OwnerRole | str, stage: str = "") -> str:
    """'outcome owner', or 'stage owner for “Exception handling”'."""
    role = OwnerRole(role)
    return f"stage owner for “{escape(stage)}”" if role == OwnerRole.STAGE else role.label


def _announce(
    db: Session,
    workflow: Workflow,
    assignment: OwnerAssignment,
    previous: str | None,
    actor: Person,
) -> None:
    """DM the new and previous owner and post a notice in the governance channel."""
    what = f"{role_phrase(assignment.role, assignment.stage)} of *{escape(workflow.name)}*"
    key = f"owner-assigned:{assignment.id}"
    outbox.post_message(
        db,
        key=f"{key}:dm-new",
        team_id=workflow.team_id,
        channel=assignment.user_id,
        text=f"{actor.mention} made you the {what}."
        + (f" You take over from {mention(previous)}." if previous else ""),
    )
    if previous and previous != assignment.user_id:
        outbox.post_message(
            db,
            key=f"{key}:dm-previous",
            team_id=workflow.team_id,
            channel=previous,
            text=f"{actor.mention} handed the {what} to {mention(assignment.user_id)}. "
            "Thank you for holding it.",
        )
    change = f" (was {mention(previous)})" if previous else ""
    outbox.post_message(
        db,
        key=f"{key}:notice",
        team_id=workflow.team_id,
        channel=workflow.channel_id,
        text=f"{mention(assignment.user_id)} is now the {what}{change}, "
        f"assigned by {actor.mention}.",
    )
