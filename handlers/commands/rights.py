"""/cadence rights WORKFLOW: open the decision-rights modal."""

from __future__ import annotations

from cadence.accountability import authority, queries, workflows
from handlers.blocks.modals import build_rights_modal
from handlers.commands.request import CommandRequest
from storage.models import pk


def handle_rights(req: CommandRequest) -> None:
    """Open the editor; people without the authority are told who has it instead."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    authority.require_map_authority(
        req.db, team_id=req.team_id, actor=req.actor(), workflow=workflow
    )
    current = queries.current_owners(req.db, workflow_id=pk(workflow))
    view = build_rights_modal(
        workflow, current, queries.rights_map(req.db, workflow_id=pk(workflow))
    )
    req.open_modal(view)
