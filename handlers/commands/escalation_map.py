"""/cadence map WORKFLOW: post the escalation map in the channel."""

from __future__ import annotations

from cadence.accountability import confirmations, escalation_map, workflows
from cadence.canvas.content import map_extras
from cadence.kpi.view import current_tree
from cadence.reminders.working_hours import workspace_timezone
from cadence.reset import lifecycle
from handlers.blocks.escalation_map import (
    build_escalation_map,
    map_notes,
    map_text,
    standing_line,
)
from handlers.blocks.kpi import build_kpi_blocks
from handlers.commands.request import CommandRequest
from handlers.people import fetch_people
from storage.models import pk


def handle_map(req: CommandRequest) -> None:
    """Post the one-page map, with its gaps, where the command was run."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    people = fetch_people(req.client, escalation_map.people_to_check(req.db, workflow=workflow))
    built = escalation_map.build_map(req.db, workflow=workflow, people=people)
    found = confirmations.standing(req.db, workflow_id=pk(workflow))
    zone = workspace_timezone(req.db, team_id=req.team_id, default=req.default_zone)
    confirmed = standing_line(found, zone)
    tree = current_tree(req.db, workflow=workflow, default_zone=req.default_zone)
    blocks = build_escalation_map(
        built,
        notes=map_notes(map_extras(req.db, workflow=workflow)),
        confirmed=confirmed,
        kpi=build_kpi_blocks(tree) if tree is not None else None,
    )
    lifecycle.note_map_posted(
        req.db, workflow=workflow, actor_id=req.command.user_id, channel_id=req.command.channel_id
    )
    req.reply(map_text(built), blocks=blocks, public=True)
