"""Governance thread messages: the parent (scorecard, votes, decision), the log, the scorecard."""

from __future__ import annotations

from typing import Any

from cadence.governance.decisions import follow_up_line
from cadence.governance.queries import LogEntry
from cadence.governance.scorecard import MetricRow
from cadence.governance.trends import Trend
from cadence.governance.view import ThreadView
from cadence.people import mention
from cadence.vocabulary import VOTE_CHOICES, GovernanceChoice, RiskTier, SessionKind
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
from handlers.blocks.kpi import build_kpi_blocks
from handlers.blocks.trends import trend_caption, trend_line
from handlers.ids import ActionId, GovernanceBlock, vote_action_id
from slackfake.limits import LIMITS
from storage.models import GovernanceSession, Workflow

RATIONALE_SHOWN = 600
SHORT_LABELS = {
    GovernanceChoice.CONTINUE: "Continue",
    GovernanceChoice.STABILIZE: "Stabilize",
    GovernanceChoice.PAUSE: "Pause",
    GovernanceChoice.REDESIGN: "Stop & redesign",
}
# Sessions named by their title, and how their parent says why they opened.
TITLED = (SessionKind.RISK_REVIEW, SessionKind.RESET_REVIEW)
OPENED_AS = {SessionKind.RISK_REVIEW: "Risk review", SessionKind.RESET_REVIEW: "30-day review"}


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


def scorecard_lines(rows: list[MetricRow], trends: list[Trend] | None = None) -> list[str]:
    """One line per measure, with its change since last week (and its trend below it)."""
    by_metric = {t.metric: t for t in trends or []}
    lines = []
    for row in rows:
        value = format_value(row.value, row.unit)
        if row.samples:
            value += f" over {row.samples} decision{'s' if row.samples != 1 else ''}"
        lines.append(f"• *{row.label}*: {value} {format_change(row)}".rstrip())
        trend = by_metric.get(row.metric)
        if trend is not None and (shown := trend_line(trend)) is not None:
            lines.append(f"      {shown}")
    return lines


def tally_line(tally: dict[GovernanceChoice, int]) -> str:
    """'Continue 3 · Stabilize 1 · Pause 0 · Stop & redesign 0 — 4 votes'."""
    total = sum(tally.values())
    counts = " · ".join(f"{SHORT_LABELS[c]} *{tally.get(c, 0)}*" for c in VOTE_CHOICES)
    return f"{counts} — {total} vote{'s' if total != 1 else ''}"


def session_name(session: GovernanceSession) -> str:
    """'Weekly governance', 'Extra governance session #2', or the risk review's title."""
    if session.kind == SessionKind.WEEKLY:
        return "Weekly governance"
    if session.kind in TITLED and session.title:
        return session.title
    return f"Extra governance session #{session.number}"


def heading(view: ThreadView) -> str:
    """The parent's title: which session of which workflow."""
    session, name = view.session, view.workflow.name
    if session.kind == SessionKind.WEEKLY:
        return f"Weekly governance: {name} — week of {session.week_start:%d %b}"
    if session.kind in TITLED and session.title:
        return f"{session.title} — {name}"
    return f"{session_name(session)}: {name}"


def opened_on_demand(view: ThreadView) -> str | None:
    """Why and by whom an extra session was opened (None for the weekly thread)."""
    session = view.session
    if session.kind == SessionKind.WEEKLY:
        return None
    opener = session.opened_by or ""
    who = mention(opener) if opener[:1] in ("U", "W") else "Cadence"
    kind = OPENED_AS.get(SessionKind(session.kind), "Opened on demand")
    reason = f": {escape(session.reason)}" if session.reason else " (no reason given)"
    return (
        f":mag: *{kind}* by {who}, {view.opened_at()}{reason}\n"
        f"Scorecard of the week of {session.week_start:%d %b}. Votes and the decision work as "
        "in the weekly thread, which this does not replace."
    )


def parent_text(view: ThreadView) -> str:
    """The notification text of the parent message."""
    if view.decision is not None:
        return fallback_text(
            f"{escape(heading(view))} — decided: {GovernanceChoice(view.decision.choice).label}"
        )
    return fallback_text(f"{escape(heading(view))}. Review the scorecard and vote.")


def build_parent(view: ThreadView) -> list[dict[str, Any]]:
    """The parent message of a governance thread (weekly, or an extra session)."""
    workflow, owners = view.workflow, view.owners
    outcome = escape(workflow.business_outcome) if workflow.business_outcome else "_not stated_"
    people = (
        f"Outcome owner: {mention(owners.outcome) if owners.outcome else '_none_'} · "
        f"Workflow owner: {mention(owners.workflow) if owners.workflow else '_none_'}"
    )
    why = opened_on_demand(view)
    blocks: list[dict[str, Any]] = [
        header(heading(view)),
        *([section(why)] if why else []),
        section(f"*Business outcome:* {outcome}\n{people}\nStatus: *{workflow.status}*"),
        section(_last_decision(view)),
        section("*Scorecard*\n" + "\n".join(scorecard_lines(view.scorecard, view.trends))),
        context(
            f":rotating_light: Open escalations: *{view.open_escalations}*",
            f":hourglass: Overdue actions: *{view.overdue_actions}*",
            *_caption(view.trends),
        ),
        *(build_kpi_blocks(view.kpi) if view.kpi is not None else []),
        divider(),
    ]
    blocks += _decided(view) if view.decision is not None else _open_for_votes(view)
    return cap_blocks(blocks, LIMITS.message_blocks, more="…")


def _decided(view: ThreadView) -> list[dict[str, Any]]:
    """The recorded decision and the final votes, in place of the buttons."""
    assert view.decision is not None
    choice = GovernanceChoice(view.decision.choice)
    return [
        section(
            f":white_check_mark: *Decided: {choice.label}* — "
            f"{mention(view.decision.recorded_by)}, {view.decided_at()}\n"
            + quote(escape(truncate(view.decision.rationale, RATIONALE_SHOWN)))
        ),
        context("Final votes: " + tally_line(view.tally)),
    ]


def _open_for_votes(view: ThreadView) -> list[dict[str, Any]]:
    """The live tally, the vote buttons and the owners' buttons."""
    sid = str(view.session.id)
    votes = [button(c.label, action_id=vote_action_id(c.value), value=sid) for c in VOTE_CHOICES]
    manage = [
        button("Record decision", action_id=ActionId.RECORD_DECISION, value=sid, style="primary"),
        button("Update scorecard", action_id=ActionId.SCORECARD_OPEN, value=str(view.workflow.id)),
        *_skip_button(view),
    ]
    return [
        section("*Vote:* " + tally_line(view.tally)),
        {"type": "actions", "block_id": GovernanceBlock.VOTES, "elements": votes},
        {"type": "actions", "block_id": GovernanceBlock.MANAGE, "elements": manage},
        context(
            "Anyone can vote and change their vote until the decision is recorded. "
            "The approver of the weekly governance decision records it."
        ),
    ]


def _skip_button(view: ThreadView) -> list[dict[str, Any]]:
    """The low-risk guardrail: the outcome owner may skip the weekly thread, with a reason."""
    if view.session.kind != SessionKind.WEEKLY or view.workflow.risk_tier != RiskTier.LOW:
        return []
    return [button("Skip this week", action_id=ActionId.SKIP_WEEK, value=str(view.session.id))]


def _last_decision(view: ThreadView) -> str:
    last = view.last_decision
    label = "Last week's decision" if view.session.kind == SessionKind.WEEKLY else "Last decision"
    if last is None:
        return f"*{label}:* _none recorded yet_"
    rationale = escape(truncate(last.rationale, 300))
    return (
        f"*{label}:* {GovernanceChoice(last.choice).label} "
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
        extra = (
            "" if entry.session.kind == SessionKind.WEEKLY else f" · {session_name(entry.session)}"
        )
        lines = [
            f"*Week of {entry.session.week_start:%d %b %Y}{escape(extra)}: "
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
    workflow: Workflow,
    week: str,
    rows: list[MetricRow],
    *,
    trends: list[Trend] | None = None,
    note: str | None = None,
) -> list[dict]:
    """The scorecard of one week with its trends (read-only, for people who do not report it)."""
    blocks = [
        header(f"Scorecard: {workflow.name} — week of {week}"),
        section("\n".join(scorecard_lines(rows, trends))),
        context(
            "Decision latency is computed from escalations and governance decisions.",
            *_caption(trends or []),
        ),
    ]
    if note:
        blocks.append(context(note))
    return blocks


def _caption(trends: list[Trend]) -> list[str]:
    """The trends' caption, when any trend is shown."""
    if not any(t.known for t in trends):
        return []
    return [trend_caption(len(trends[0].values))]
