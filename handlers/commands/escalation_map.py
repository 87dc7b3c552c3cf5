"""/cadence map WORKFLOW: post the escalation map in the channel."""

from __future__ import annotations

from cadence.accountability import escalation_map, workflows
from cadence.canvas.content import map_extras
from handlers.blocks.escalation_map import build_escalation_map, map_notes, map_text
from handlers.commands.request import CommandRequest
from handlers.people import fetch_people


def handle_map(req: CommandRequest) -> None:
    """Post the one-page map, with its gaps, where the command was run."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    people = fetch_people(req.client, escalation_map.people_to_check(req.db, workflow=workflow))
    built = escalation_map.build_map(req.db, workflow=workflow, people=people)
    notes = map_notes(map_extras(req.db, workflow=workflow))
    blocks = build_escalation_map(built, notes=notes)
    req.reply(map_text(built), blocks=blocks, public=True)
