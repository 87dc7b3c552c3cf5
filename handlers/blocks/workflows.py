"""Workflow list, workflow detail and owner list messages."""

from __future__ import annotations

from typing import Any

from cadence.accountability.queries import Owners
from cadence.people import mention
from handlers.blocks.kit import cap_blocks, context, divider, escape, header, section
from slackfake.limits import LIMITS
from storage.models import Workflow


def owners_line(owners: Owners) -> str:
    """'Outcome: @maria · Workflow: @li · Stages: Intake @sam' with gaps marked."""
    outcome = mention(owners.outcome) if owners.outcome else ":warning: _no outcome owner_"
    workflow = mention(owners.workflow) if owners.workflow else ":warning: _no workflow owner_"
    line = f"Outcome owner: {outcome} · Workflow owner: {workflow}"
    if owners.stages:
        stages = ", ".join(f"{escape(s)} {mention(u)}" for s, u in owners.stages.items())
        line += f"\nStage owners: {stages}"
    return line


def workflow_summary(workflow: Workflow) -> str:
    """Channel, risk tier and business outcome in one line."""
    parts = [f"<#{workflow.channel_id}>", f"risk {workflow.risk_tier}"]
    if workflow.business_outcome:
        parts.append(f"outcome: _{escape(workflow.business_outcome)}_")
    return " · ".join(parts)


def build_workflow_list(items: list[tuple[Workflow, Owners]]) -> list[dict[str, Any]]:
    """Every active workflow with its owners; gaps are flagged."""
    if not items:
        return [
            section(
                "No workflows yet. Register one with "
                "`/cadence workflow add Support resolution in #ai-support-gov`."
            )
        ]
    blocks: list[dict[str, Any]] = [header(f"AI workflows ({len(items)})")]
    for workflow, owners in items:
        blocks.append(
            section(
                f"*{escape(workflow.name)}*  {workflow_summary(workflow)}\n{owners_line(owners)}"
            )
        )
    return cap_blocks(
        blocks, LIMITS.message_blocks, more="More workflows not shown; use `/owner list WORKFLOW`."
    )


def build_workflow_detail(
    workflow: Workflow,
    owners: Owners,
    history_lines: list[str],
    *,
    triggers: str | None = None,
    kpi: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One workflow: summary, owners, gaps, risk-review triggers, KPI tree and ownership
    history."""
    blocks = [
        header(workflow.name),
        section(workflow_summary(workflow)),
        section(owners_line(owners)),
        *([section(triggers)] if triggers else []),
        *(kpi or []),
    ]
    gaps = owners.gaps()
    if gaps:
        blocks.append(section(":warning: *Gaps:* " + "; ".join(gaps)))
    if history_lines:
        blocks += [divider(), section("*Ownership history*\n" + "\n".join(history_lines[-15:]))]
    blocks.append(context(f"Map and decision rights: `/cadence map {escape(workflow.name)}`"))
    return blocks


def build_owner_list(items: list[tuple[Workflow, Owners]]) -> list[dict[str, Any]]:
    """Who owns what across workflows, gaps first."""
    if not items:
        return [section("No workflows yet, so no owners. Start with `/cadence workflow add`.")]
    with_gaps = [(w, o) for w, o in items if o.gaps()]
    blocks: list[dict[str, Any]] = [header("Who owns what")]
    if with_gaps:
        lines = [f"• *{escape(w.name)}*: {', '.join(o.gaps())}" for w, o in with_gaps]
        blocks.append(section(":warning: *Gaps*\n" + "\n".join(lines)))
    for workflow, owners in items:
        blocks.append(section(f"*{escape(workflow.name)}*\n{owners_line(owners)}"))
    return cap_blocks(blocks, LIMITS.message_blocks, more="More workflows not shown.")
