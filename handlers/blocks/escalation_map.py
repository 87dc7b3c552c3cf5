"""The one-page escalation map message."""

from __future__ import annotations

from typing import Any

from cadence.authority import COUNCIL_MATTERS
from cadence.escalation_map import EscalationMap, MapRow
from cadence.people import mention
from cadence.rights import party_label
from handlers.blocks.kit import context, divider, escape, header, section
from handlers.blocks.workflows import owners_line, workflow_summary


def _people(users: list[str]) -> str:
    return ", ".join(mention(u) for u in dict.fromkeys(users)) if users else "_nobody_"


def _row_text(row: MapRow) -> str:
    lines = [f"*{row.point.label}*"]
    for line in row.duties:
        roles = ", ".join(party_label(p) for p in line.parties) or "unset"
        lines.append(f"{line.duty.value.capitalize()}: {_people(line.people)} ({roles})")
    if row.council_matters:
        matters = ", ".join(m.label.lower() for m in row.council_matters)
        lines.append(f":classical_building: Always the AI council: {matters}")
    if row.gaps:
        lines.append(":warning: " + "; ".join(row.gaps))
    return "\n".join(lines)


def build_escalation_map(escalation_map: EscalationMap) -> list[dict[str, Any]]:
    """Every decision point with its four roles, council-only matters, and every gap."""
    workflow = escalation_map.workflow
    rows_with_gaps = [r for r in escalation_map.rows if r.gaps]
    blocks: list[dict[str, Any]] = [
        header(f"Escalation map: {workflow.name}"),
        section(workflow_summary(workflow) + "\n" + owners_line(escalation_map.owners)),
        section(
            f"*AI council:* {_people(escalation_map.council_ids)}\n"
            "_Beyond any owner's authority, always decided by the council:_ "
            + ", ".join(m.label.lower() for m in COUNCIL_MATTERS)
        ),
    ]
    if escalation_map.gaps or rows_with_gaps:
        lines = [f"• {gap}" for gap in escalation_map.gaps]
        if rows_with_gaps:
            lines.append(
                f"• {len(rows_with_gaps)} of {len(escalation_map.rows)} decision points have a "
                "role unset or held by someone who left (marked below)"
            )
        blocks.append(section(":warning: *Gaps*\n" + "\n".join(lines)))
    else:
        blocks.append(section(":white_check_mark: No gaps: every decision point has people."))
    blocks.append(divider())
    blocks += [section(_row_text(row)) for row in escalation_map.rows]
    blocks.append(
        context(
            f"Edit with `/cadence rights {escape(workflow.name)}` · owners with `/owner` · "
            "rights follow roles, so they update when owners change."
        )
    )
    return blocks


def map_text(escalation_map: EscalationMap) -> str:
    """Notification text for the map."""
    return f"Escalation map for {escalation_map.workflow.name}"
