"""/cadence map WORKFLOW: post the escalation map in the channel."""

from __future__ import annotations

from cadence.accountability import escalation_map, workflows
from cadence.governance import risk_review, risk_tiers, triggers
from cadence.kpi.view import current_tree
from cadence.vocabulary import RiskTier
from handlers.blocks.escalation_map import build_escalation_map, map_text
from handlers.blocks.kpi import build_kpi_blocks
from handlers.blocks.triggers import trigger_lines
from handlers.commands.request import CommandRequest
from handlers.people import fetch_people
from storage.models import pk


def handle_map(req: CommandRequest) -> None:
    """Post the one-page map, with its gaps, where the command was run."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    people = fetch_people(req.client, escalation_map.people_to_check(req.db, workflow=workflow))
    built = escalation_map.build_map(req.db, workflow=workflow, people=people)
    rules = triggers.current_rules(req.db, workflow_id=pk(workflow))
    breached = set(risk_review.open_breaches(req.db, pk(workflow)))
    tier = RiskTier(workflow.risk_tier)
    guardrails = f"*Risk tier: {tier}.* Guardrails: {risk_tiers.GUARDRAILS[tier]}."
    pending = risk_tiers.pending_request(req.db, workflow_id=pk(workflow))
    if pending is not None:
        guardrails += (
            f"\nA change to {pending.to_tier} is waiting for the council "
            f"(escalation #{pending.escalation_id})."
        )
    tree = current_tree(req.db, workflow=workflow, default_zone=req.default_zone)
    blocks = build_escalation_map(
        built,
        notes=(guardrails, trigger_lines(rules, breached)),
        kpi=build_kpi_blocks(tree) if tree is not None else None,
    )
    req.reply(map_text(built), blocks=blocks, public=True)
