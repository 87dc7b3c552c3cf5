"""/cadence risk WORKFLOW [low|medium|high: reason]: ask the council for a risk tier change."""

from __future__ import annotations

from cadence.accountability import workflows
from cadence.errors import InvalidInput
from cadence.governance import risk_tiers
from cadence.text import escape
from cadence.vocabulary import RiskTier
from handlers.commands.request import CommandRequest
from storage.models import pk

USAGE = (
    "Say which workflow, the tier and why: "
    "`/cadence risk Support resolution high: it now issues refunds`."
)


def handle_risk(req: CommandRequest) -> None:
    """Show the tier and its guardrails, or raise a risk tier change with the council."""
    named, _, reason = req.args.partition(":")
    words = named.split()
    if not words:
        raise InvalidInput(USAGE)
    tier = words[-1].lower()
    if tier not in RiskTier.__members__.values():
        workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=named.strip())
        req.reply(describe(req, workflow.name, pk(workflow), RiskTier(workflow.risk_tier)))
        return
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=" ".join(words[:-1]))
    request = risk_tiers.request_change(
        req.db,
        workflow=workflow,
        tier=RiskTier(tier),
        reason=reason,
        actor_id=req.command.user_id,
        source_channel_id=req.command.channel_id,
        request_key=f"risk-tier:{req.team_id}:{req.command.trigger_id or req.command.response_url}",
    )
    req.reply(
        f":classical_building: Asked the AI council to change *{escape(workflow.name)}* from "
        f"{request.from_tier} to {request.to_tier} risk (escalation #{request.escalation_id}). "
        "Nothing changes until a council member approves it."
    )


def describe(req: CommandRequest, name: str, workflow_id: int, tier: RiskTier) -> str:
    """The tier, what it means, and any change waiting for the council."""
    lines = [f"*{escape(name)}* is {tier} risk. Guardrails: {risk_tiers.GUARDRAILS[tier]}."]
    pending = risk_tiers.pending_request(req.db, workflow_id=workflow_id)
    if pending is not None:
        lines.append(
            f"A change to {pending.to_tier} is waiting for the council "
            f"(escalation #{pending.escalation_id})."
        )
    lines.append(f"Ask for a change: `/cadence risk {escape(name)} high: why`.")
    return "\n".join(lines)
