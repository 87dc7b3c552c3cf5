"""/cadence canvas WORKFLOW: try the living canvas again (once enabled), or refresh it."""

from __future__ import annotations

from cadence.accountability import authority, workflows
from cadence.canvas import outcomes
from cadence.canvas.refresh import CREATING, REFUSED
from cadence.text import escape
from handlers.commands.request import CommandRequest


def handle_canvas(req: CommandRequest) -> None:
    """Start a new attempt at a refused canvas; queue a refresh of a live one."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    authority.require_map_authority(
        req.db, team_id=req.team_id, actor=req.actor(), workflow=workflow
    )
    status = outcomes.retry(req.db, workflow=workflow)
    channel, name = f"<#{workflow.channel_id}>", escape(workflow.name)
    if status == REFUSED:
        req.reply(f"Slack still refuses the canvas of *{name}*; the map and log stay messages.")
    elif status == CREATING:
        req.reply(
            f":memo: Creating the channel canvas of *{name}* in {channel}. If Slack still "
            "refuses it, the map and log stay as messages there."
        )
    else:
        req.reply(f":memo: The canvas of *{name}* in {channel} is being refreshed.")
