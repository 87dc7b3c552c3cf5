"""The App Home tab."""

from __future__ import annotations

from typing import Any

from cadence.home import HomeSummary
from cadence.reset.items import ItemState
from cadence.vocabulary import EscalationStatus, SessionKind
from handlers.blocks.governance import session_name
from handlers.blocks.kit import cap_blocks, context, divider, escape, header, section, truncate
from slackfake.limits import LIMITS


def _waiting(summary: HomeSummary) -> list[dict[str, Any]]:
    """What waits on the person: escalations, weekly decisions, follow-up actions."""
    if not summary.waiting:
        return [section(":sparkles: Nothing is waiting for you.")]
    lines: list[str] = []
    for escalation, workflow in summary.escalations:
        state = "to acknowledge" if escalation.status == EscalationStatus.OPEN else "to resolve"
        lines.append(
            f"• Escalation #{escalation.id} on *{escape(workflow.name)}* {state}: "
            f"{escape(truncate(escalation.summary, 120))} (`/escalate show {escalation.id}`)"
        )
    for session, workflow in summary.decisions:
        which = (
            f"week of {session.week_start:%d %b}"
            if session.kind == SessionKind.WEEKLY
            else escape(session_name(session))
        )
        lines.append(
            f"• The decision on *{escape(workflow.name)}* ({which}) in <#{session.channel_id}>"
        )
    for item, workflow in summary.actions:
        due = f", due {item.due_on:%a %d %b}" if item.due_on else ""
        lines.append(
            f"• Follow-up on *{escape(workflow.name)}*: {escape(truncate(item.description, 120))}"
            f"{due}"
        )
    return [section(":inbox_tray: *Waiting for you*\n" + "\n".join(lines))]


def _resets(summary: HomeSummary) -> list[dict[str, Any]]:
    """One line per running reset of the person's workflows: the day, what is due this week."""
    lines = []
    for view in summary.resets[:10]:
        due = [
            i.title
            for i in view.items
            if i.week == view.week and i.state in (ItemState.OPEN, ItemState.LATE)
        ]
        owed = f"due this week: {'; '.join(due)}" if due else "nothing left to do this week"
        lines.append(
            f":spiral_calendar_pad: *{escape(view.workflow.name)}* is in a 30-day reset: "
            f"day {view.day} of 30 (week {view.week}), {owed}. `/cadence reset status`"
        )
    return [section("\n".join(lines))] if lines else []


def build_home(summary: HomeSummary) -> dict[str, Any]:
    """A home view: your roles, your council seat, gaps, and how to start."""
    blocks: list[dict[str, Any]] = [header("Cadence: your AI operating cadence")]
    if summary.roles:
        lines = [
            f"• {role[:1].upper()}{role[1:]} of *{escape(w.name)}* (<#{w.channel_id}>)"
            for w, role in summary.roles
        ]
        blocks.append(section("*You are accountable for*\n" + "\n".join(lines)))
    else:
        blocks.append(section("You don't own any workflow yet."))
    if summary.on_council:
        blocks.append(section(":classical_building: You sit on the *AI council*."))
    blocks += _resets(summary)
    blocks.append(divider())
    blocks += _waiting(summary)
    if summary.gaps:
        lines = [f"• *{escape(w.name)}*: {', '.join(g)}" for w, g in summary.gaps[:40]]
        blocks.append(section(":warning: *Accountability gaps*\n" + "\n".join(lines)))
    elif summary.workflow_count == 1:
        blocks.append(section(":white_check_mark: The only workflow has owners."))
    elif summary.workflow_count:
        blocks.append(
            section(f":white_check_mark: All {summary.workflow_count} workflows have owners.")
        )
    else:
        blocks.append(
            section(
                "*Get started*\n1. `/cadence workflow add Support resolution in #ai-support-gov`\n"
                "2. `/owner outcome @person Support resolution`\n"
                "3. `/cadence map Support resolution`"
            )
        )
    blocks.append(context("Type `/cadence help` for every command."))
    return {
        "type": "home",
        "blocks": cap_blocks(blocks, LIMITS.home_blocks, more="More not shown."),
    }
