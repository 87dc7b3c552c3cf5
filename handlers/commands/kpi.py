"""/cadence kpi WORKFLOW: edit the workflow's KPI tree (its outcome owner)."""

from __future__ import annotations

from cadence.accountability import authority, workflows
from cadence.errors import InvalidInput
from cadence.kpi import store
from cadence.kpi.tree import format_tree
from handlers.blocks.kpi import build_kpi_modal
from handlers.commands.request import CommandRequest
from storage.models import pk


def handle_kpi(req: CommandRequest) -> None:
    """Open the KPI tree form, prefilled with the tree in force; anyone but the outcome owner
    is told who edits it."""
    if not req.args:
        raise InvalidInput("Say which workflow: `/cadence kpi Support resolution`.")
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    authority.require_kpi_authority(req.db, workflow=workflow, user_id=req.command.user_id)
    nodes = store.current_nodes(req.db, workflow_id=pk(workflow))
    names = {pk(n): n.name for n in nodes}
    links = {
        metric: names[node_id]
        for metric, node_id in store.current_links(req.db, workflow_id=pk(workflow)).items()
        if node_id in names
    }
    req.open_modal(
        build_kpi_modal(
            workflow_id=pk(workflow),
            workflow_name=workflow.name,
            text=format_tree(store.node_specs(nodes)),
            links=links,
        )
    )
