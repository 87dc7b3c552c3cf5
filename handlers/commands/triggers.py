"""/cadence triggers WORKFLOW: set the risk-review triggers (outcome owner and council)."""

from __future__ import annotations

from cadence.accountability import authority, workflows
from cadence.errors import InvalidInput, NotAuthorized
from cadence.governance import risk_review, triggers
from handlers.blocks.kit import escape
from handlers.blocks.triggers import build_triggers_modal, trigger_lines
from handlers.commands.request import CommandRequest
from storage.models import pk


def handle_triggers(req: CommandRequest) -> None:
    """Open the triggers form for those who set them; show the triggers to anyone else."""
    if not req.args:
        raise InvalidInput("Say which workflow: `/cadence triggers Support resolution`.")
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    rules = triggers.current_rules(req.db, workflow_id=pk(workflow))
    try:
        authority.require_trigger_authority(req.db, workflow=workflow, user_id=req.command.user_id)
    except NotAuthorized as refusal:
        breached = set(risk_review.open_breaches(req.db, pk(workflow)))
        req.reply(
            f"*{escape(workflow.name)}*\n{trigger_lines(rules, breached)}\n_{refusal.user_message}_"
        )
        return
    view = build_triggers_modal(workflow_id=pk(workflow), workflow_name=workflow.name, rules=rules)
    req.open_modal(view)
