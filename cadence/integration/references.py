"""How the integration API names a workflow: by id or by name, in the caller's workspace."""

from __future__ import annotations

from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import InvalidInput, UnknownWorkflow
from storage.models import Workflow


def workflow_named(db: Session, *, team_id: str, ref: str | int) -> Workflow:
    """The live workflow of the workspace that `ref` names (its id, or its name in any case);
    UnknownWorkflow otherwise, also when it is another workspace's or archived."""
    text = str(ref).strip()
    if text.isdigit():
        found = workflows.live_workflow(db, workflow_id=int(text), team_id=team_id)
        if found is not None:
            return found
        if isinstance(ref, int):
            raise UnknownWorkflow(text)
    if not text:
        raise InvalidInput("Name the workflow (its name or id).", field="workflow")
    return workflows.find_workflow(db, team_id=team_id, name=text)
