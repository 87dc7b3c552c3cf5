"""Follow-up actions: marking one done, by someone entitled to."""

from __future__ import annotations

from sqlmodel import Session

from cadence import audit
from cadence.accountability import council, queries
from cadence.errors import InvalidInput, NotAuthorized
from cadence.people import mention
from cadence.vocabulary import ActionStatus
from storage.clock import now
from storage.models import ActionItem, Workflow, pk


def get_action(db: Session, *, action_id: int) -> tuple[ActionItem, Workflow]:
    """The action and its workflow, or a friendly error."""
    item = db.get(ActionItem, action_id)
    workflow = db.get(Workflow, item.workflow_id) if item is not None else None
    if item is None or workflow is None:
        raise InvalidInput("I can't find that follow-up action any more.")
    return item, workflow


def complete_action(db: Session, *, action_id: int, actor: str) -> tuple[ActionItem, bool]:
    """Mark an action done; True when this call did it (False: it already was)."""
    item, workflow = get_action(db, action_id=action_id)
    current = queries.current_owners(db, workflow_id=pk(workflow))
    allowed = {item.owner_id, current.workflow, current.outcome}
    if actor not in allowed and actor not in council.member_ids(db, team_id=workflow.team_id):
        raise NotAuthorized(
            f"Only {mention(item.owner_id)} (its owner), the workflow's owners or a council "
            "member can mark this action done."
        )
    if item.status == ActionStatus.DONE:
        return item, False
    item.status, item.completed_at, item.completed_by = ActionStatus.DONE, now(), actor
    db.add(item)
    audit.record(db, team_id=workflow.team_id, actor=actor, action="action.completed",
                 workflow_id=workflow.id, action_id=item.id)  # fmt: skip
    return item, True
