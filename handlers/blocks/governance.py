"""Governance thread messages: the parent (scorecard, votes, decision), the log, the scorecard."""

from __future__ import annotations

from typing import Any

from cadence.governance.decisions import LogEntry, follow_up_line
from cadence.governance.scorecard import MetricRow
from cadence.governance.view import ThreadView
from cadence.people import mention
from cadence.vocabulary import GovernanceChoice
from handlers.blocks.kit import (
    button,
    cap_blocks,
    context,
    divider,
    escape,
    fallback_text,
    header,
    section,
    truncate,
)
from handlers.blocks.limits import LIMITS
from handlers.ids import ActionId, GovernanceBlock, vote_action_id
from storage.models import Workflow

RATIONALE_SHOWN = 600
SHORT_LABELS = {
    GovernanceChoice.CONTINUE: "Continue",
    GovernanceChoice.STABILIZE: "Stabilize",
    GovernanceChoice.PAUSE: "Pause",
    GovernanceChoice.REDESIGN: "Stop & redesign",
}


def quote(text: str) -> str:
    """Text as a mrkdwn block quote, every line of it."""
    return ">" + text.replace("\n", "\n>")


def format_value(value: float | None, unit: str) -> str:
    """'1,240 items/week', '12.5 %', or 'not reported'."""
    if value is None:
        return "_not reported_"
    shown = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{shown} %" if unit == "%" else f"{shown} {unit}"


def format_change(row: MetricRow) -> str:
    """'▲ +20 since last week', '▼ -1.5', 'no change', or why there is no comparison."""
    if row.value is None:
        return ""
    if row.previous is None:
        return "(nothing to compare with last week)"
    delta = row.value - row.previous
    if abs(delta) < 1e-9:
        return "(no change since last week)"
    size = f"{abs(delta):,.0f}" if abs(delta) == int(abs(delta)) else f"{abs(delta):,.1f}"
    unit = " pts" if row.unit == "%" else ""
    return f"({'▲ +' if delta > 0 else '▼ -'}{size}{unit} since last week)"


def scorecard_lines(rows: list[MetricRow]) -> list[str]:
    """One line per measure, with its change since last week."""
    lines = []
    for row in rows:
        value = format_value(row.value, row.unit)
        if row.samples:
            value += f" over {row.samples} decision{'s' if row.samples != 1 else ''}"
        lines.append(f"• *{row.label}*: {value} {format_change(row)}".rstrip())
    return lines


def tally_line(tally: dict[GovernanceChoice, int]) -> str:
    """'Continue 3 · Stabilize 1 · Pause 0 · Stop & redesign 0 — 4 votes'."""
    total = sum(tally.values())
    counts = " · ".join(f"{SHORT_LABELS[c]} *{tally.get(c, 0)}*" for c in GovernanceChoice)
    return f"{counts} — {total} vote{'s' if total != 1 else ''}"


def parent_text(view: ThreadView) -> str:
    """The notification text of the parent message."""
    if view.decision is not None:
        return fallback_text(
            f"Weekly governance: {escape(view.workflow.name)} — decided: "
            f"{GovernanceChoice(view.decision.choice).label}"
        )
    return fallback_text(
        f"Weekly governance: {escape(view.workflow.name)} — week of "
        f"{view.session.week_start:%d %b}. Review the scorecard and vote."
    )


def build_parent(view: ThreadView) -> list[dict[str, Any]]:
    """The parent message of a weekly governance thread."""
    workflow, owners = view.workflow, view.owners
    outcome = escape(workflow.business_outcome) if workflow.business_outcome else "_not stated_"
    people = (
        f"Outcome owner: {mention(owners.outcome) if owners.outcome else '_none_'} · "
        f"Workflow owner: {mention(owners.workflow) if owners.workflow else '_none_'}"
    )
    blocks: list[dict[str, Any]] = [
        header(f"Weekly governance: {workflow.name} — week of {view.session.week_start:%d %b}"),
        section(f"*Business outcome:* {outcome}\n{people}\nStatus: *{workflow.status}*"),
        section(_last_decision(view)),
        section("*Scorecard*\n" + "\n".join(scorecard_lines(view.scorecard))),
        context(
            f":rotating_light: Open escalations: *{view.open_escalations}*",
            f":hourglass: Overdue actions: *{view.overdue_actions}*",
        ),
        divider(),
    ]
    if view.decision is not None:
        choice = GovernanceChoice(view.decision.choice)
        blocks.append(
            section(
                f":white_check_mark: *Decided: {choice.label}* — "
                f"{mention(view.decision.recorded_by)}, {view.decided_at()}\n"
                + quote(escape(truncate(view.decision.rationale, RATIONALE_SHOWN)))
            )
        )
        blocks.append(context("Final votes: " + tally_line(view.tally)))
        return cap_blocks(blocks, LIMITS.message_blocks, more="…")
    sid = str(view.session.id)
    blocks.append(section("*Vote:* " + tally_line(view.tally)))
    blocks.append(
        {
            "type": "actions",
            "block_id": GovernanceBlock.VOTES,
            "elements": [
                button(c.label, action_id=vote_action_id(c.value), value=sid)
                for c in GovernanceChoice
            ],
        }
    )
    blocks.append(
        {
            "type": "actions",
            "block_id": GovernanceBlock.MANAGE,
            "elements": [
                button(
                    "Record decision",
                    action_id=ActionId.RECORD_DECISION,
                    value=sid,
                    style="primary",
                ),
                button(
                    "Update scorecard", action_id=ActionId.SCORECARD_OPEN, value=str(workflow.id)
                ),
            ],
        }
    )
    blocks.append(
        context(
            "Anyone can vote and change their vote until the decision is recorded. "
            "The approver of the weekly governance decision records it."
        )
    )
    return cap_blocks(blocks, LIMITS.message_blocks, more="…")


def _last_decision(view: ThreadView) -> str:
    last = view.last_decision
    if last is None:
        return "*Last week's decision:* _none recorded yet_"
    rationale = escape(truncate(last.rationale, 300))
    return (
        f"*Last week's decision:* {GovernanceChoice(last.choice).label} "
        f"({mention(last.recorded_by)}) — _{rationale}_"
    )


def build_decision_log(workflow: Workflow, entries: list[LogEntry], tz: str) -> list[dict]:
    """The decision log of a workflow, newest first."""
    blocks: list[dict[str, Any]] = [header(f"Decision log: {workflow.name}")]
    if not entries:
        blocks.append(section("No governance decision has been recorded yet."))
        return blocks
    for entry in entries:
        decision = entry.decision
        lines = [
            f"*Week of {entry.session.week_start:%d %b %Y}: "
            f"{GovernanceChoice(decision.choice).label}* — {mention(decision.recorded_by)}",
            f">{escape(truncate(decision.rationale, RATIONALE_SHOWN))}".replace("\n", " "),
        ]
        lines += [follow_up_line(a) + f" _({a.status})_" for a in entry.actions]
        if decision.re_review_on:
            lines.append(f"Re-review on {decision.re_review_on:%a %d %b %Y}")
        blocks.append(section("\n".join(lines)))
    blocks.append(context(f"Newest first; the last {len(entries)} decision(s). Times in {tz}."))
    return cap_blocks(blocks, LIMITS.message_blocks, more="Older decisions left out.")


def build_scorecard_summary(
    workflow: Workflow, week: str, rows: list[MetricRow], *, note: str | None = None
) -> list[dict]:
    """The scorecard of one week (read-only, for people who do not report it)."""
    blocks = [
        header(f"Scorecard: {workflow.name} — week of {week}"),
        section("\n".join(scorecard_lines(rows))),
        context("Decision latency is computed from escalations and governance decisions."),
    ]
    if note:
        blocks.append(context(note))
    return blocks
