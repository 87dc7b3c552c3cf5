"""The one-page escalation map message."""

from __future__ import annotations

from typing import Any

from cadence.accountability.authority import COUNCIL_MATTERS
from cadence.accountability.confirmations import Standing
from cadence.accountability.escalation_map import EscalationMap, MapRow
from cadence.accountability.rights import party_label
from cadence.canvas.content import MapExtras
from cadence.people import mention
from handlers.blocks.kit import button, context, divider, escape, header, local_date, section
from handlers.blocks.triggers import trigger_lines
from handlers.blocks.workflows import owners_line, workflow_summary
from handlers.ids import ActionId
from storage.models import Workflow

PEOPLE_SHOWN = 8
GAPS_SHOWN = 12


def _people(users: list[str], limit: int = PEOPLE_SHOWN) -> str:
    unique = list(dict.fromkeys(users))
    if not unique:
        return "_nobody_"
    shown = ", ".join(mention(u) for u in unique[:limit])
    return shown + (f" and {len(unique) - limit} more" if len(unique) > limit else "")


def _listed(items: list[str], limit: int) -> list[str]:
    return items[:limit] + ([f"…and {len(items) - limit} more"] if len(items) > limit else [])


def _row_text(row: MapRow) -> str:
    # Council matters and gaps come before the duty lines so a long row loses people, not them.
    lines = [f"*{row.point.label}*"]
    if row.council_matters:
        matters = ", ".join(m.label.lower() for m in row.council_matters)
        lines.append(f":classical_building: Always the AI council: {matters}")
    if row.gaps:
        lines.append(":warning: " + "; ".join(_listed(row.gaps, GAPS_SHOWN)))
    for line in row.duties:
        roles = ", ".join(party_label(p) for p in line.parties[:PEOPLE_SHOWN]) or "unset"
        if len(line.parties) > PEOPLE_SHOWN:
            roles += ", …"
        lines.append(f"{line.duty.value.capitalize()}: {_people(line.people)} ({roles})")
    return "\n".join(lines)


def map_notes(extras: MapExtras) -> tuple[str, str]:
    """The risk tier's guardrails (and a change waiting for the council), and the triggers."""
    guardrails = f"*Risk tier: {extras.tier}.* Guardrails: {extras.guardrails}."
    if extras.pending is not None:
        guardrails += (
            f"\nA change to {extras.pending.to_tier} is waiting for the council "
            f"(escalation #{extras.pending.escalation_id})."
        )
    return guardrails, trigger_lines(extras.rules, extras.breached)


def build_escalation_map(
    escalation_map: EscalationMap,
    *,
    notes: tuple[str, ...] = (),
    confirmed: str | None = None,
    kpi: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every decision point with its four roles, council-only matters, and every gap; `notes`
    (the risk tier's guardrails, the risk-review triggers) follow the owners, then the `kpi`
    tree's blocks; `confirmed` says where the council's confirmation of the rights stands,
    above its button."""
    workflow = escalation_map.workflow
    rows_with_gaps = [r for r in escalation_map.rows if r.gaps]
    blocks: list[dict[str, Any]] = [
        header(f"Escalation map: {workflow.name}"),
        section(workflow_summary(workflow) + "\n" + owners_line(escalation_map.owners)),
        *[section(note) for note in notes],
        *(kpi or []),
        section(
            f"*AI council:* {_people(escalation_map.council_ids, limit=20)}\n"
            "_Beyond any owner's authority, always decided by the council:_ "
            + ", ".join(m.label.lower() for m in COUNCIL_MATTERS)
        ),
    ]
    if escalation_map.gaps or rows_with_gaps:
        lines = []
        if rows_with_gaps:
            lines.append(
                f"• {len(rows_with_gaps)} of {len(escalation_map.rows)} decision points have a "
                "role unset or held by someone who left (marked below)"
            )
        lines += [f"• {gap}" for gap in _listed(escalation_map.gaps, GAPS_SHOWN)]
        blocks.append(section(":warning: *Gaps*\n" + "\n".join(lines)))
    else:
        blocks.append(section(":white_check_mark: No gaps: every decision point has people."))
    blocks.append(divider())
    blocks += [section(_row_text(row)) for row in escalation_map.rows]
    if confirmed is not None:
        blocks.append(section(confirmed, accessory=confirm_button(workflow)))
    blocks.append(
        context(
            f"Edit with `/cadence rights {escape(workflow.name)}` · owners with `/owner` · "
            "rights follow roles, so they update when owners change."
        )
    )
    return blocks


def confirm_button(workflow: Workflow) -> dict[str, Any]:
    """*Confirm decision rights*, for council members (anyone else is refused)."""
    return button("Confirm decision rights", action_id=ActionId.RIGHTS_CONFIRM,
                  value=str(workflow.id))  # fmt: skip


def confirmation_line(confirmed_by: str | None, when: str | None, *, holds: bool) -> str:
    """Where the council's confirmation of these rights stands."""
    if confirmed_by is None:
        return ":classical_building: *Decision rights:* not yet confirmed by the AI council."
    if not holds:
        return (
            f":classical_building: *Decision rights:* confirmed by {mention(confirmed_by)} {when}, "
            "but changed since: the council confirms them again."
        )
    return f":classical_building: *Decision rights:* confirmed by {mention(confirmed_by)} {when}."


def standing_line(found: Standing | None, timezone: str) -> str:
    """The confirmation line for the latest confirmation (if any), dated in `timezone`."""
    if found is None:
        return confirmation_line(None, None, holds=False)
    when = f"on {local_date(found.confirmation.created_at, timezone)}"
    return confirmation_line(found.confirmation.confirmed_by, when, holds=found.holds)


def map_text(escalation_map: EscalationMap) -> str:
    """Notification text for the map."""
    return f"Escalation map for {escape(escalation_map.workflow.name)}"
