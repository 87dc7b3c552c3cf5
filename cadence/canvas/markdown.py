"""The canvas as Slack canvas markdown: the one-page escalation map (with the council's
confirmation of its rights and the KPI tree), then the decision log.

Pure: built from `CanvasContent`, no database, no Slack. Canvas markdown mentions people as
`![](@U123)` and channels as `![](#C123)`; typed text is escaped so it cannot forge headings,
tables, links or mentions.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from cadence.accountability.authority import COUNCIL_MATTERS
from cadence.accountability.escalation_map import MapRow
from cadence.accountability.queries import COUNCIL, OUTCOME_OWNER, STAGE_PREFIX, WORKFLOW_OWNER
from cadence.canvas.content import CanvasContent
from cadence.governance.queries import LogEntry
from cadence.kpi.tree import number
from cadence.kpi.view import KpiTreeView, NodeView
from cadence.vocabulary import ActionStatus, Duty, GovernanceChoice, SessionKind

# Slack takes up to 1 MiB of markdown per call; the map and 25 decisions stay far below.
MARKDOWN_MAX = 1_048_576
_SPECIAL = re.compile(r"([\\`*_~#\[\]|<>!])")


def text(value: str) -> str:
    """Typed text on one line, with markdown's special characters escaped."""
    return _SPECIAL.sub(r"\\\1", " ".join(value.split()))


def person(user_id: str) -> str:
    """A canvas mention of a person."""
    return f"![](@{user_id})"


def canvas_title(workflow_name: str) -> str:
    """The canvas's title."""
    return f"{workflow_name}: escalation map and decision log"


def _people(users: list[str]) -> str:
    unique = list(dict.fromkeys(users))
    return ", ".join(person(u) for u in unique) if unique else "_nobody_"


def _party(token: str) -> str:
    if token.startswith(STAGE_PREFIX):
        return f"stage owner ({text(token.removeprefix(STAGE_PREFIX))})"
    return {OUTCOME_OWNER: "outcome owner", WORKFLOW_OWNER: "workflow owner",
            COUNCIL: "AI council"}.get(token, text(token))  # fmt: skip


def _when(moment: datetime, zone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(zone)):%a %d %b %Y %H:%M}"


def _map(content: CanvasContent) -> list[str]:
    workflow, built, extras = content.workflow, content.map, content.extras
    owners = built.owners
    lines = [
        f"# {text(workflow.name)}: escalation map",
        f"_Kept current by Cadence. Updated {_when(content.updated_at, content.timezone)} "
        f"({text(content.timezone)})._",
        "",
        f"**Governance channel:** ![](#{workflow.channel_id}) · **Status:** "
        f"{text(workflow.status)} · **Risk tier:** {extras.tier}",
    ]
    if workflow.business_outcome:
        lines.append(f"**Business outcome:** {text(workflow.business_outcome)}")
    if workflow.archived_at is not None:
        lines.append("**Archived:** this workflow is no longer governed; kept for the record.")
    lines += [
        "",
        "## Owners",
        f"- **Outcome owner:** {person(owners.outcome) if owners.outcome else '_none_'}",
        f"- **Workflow owner:** {person(owners.workflow) if owners.workflow else '_none_'}",
    ]
    lines += [f"- **Stage owner, {text(s)}:** {person(u)}" for s, u in owners.stages.items()]
    lines += ["", "## Gaps"]
    row_gaps = [f"{row.point.label}: {'; '.join(row.gaps)}" for row in built.rows if row.gaps]
    gaps = built.gaps + row_gaps
    lines += [f"- {text(g)}" for g in gaps] or ["No gaps: every decision point has people."]
    lines += ["", "## Decision rights", "", _rights_table(built.rows), "", _confirmation(content)]
    lines += [
        "",
        "## AI council",
        f"**Members:** {_people(built.council_ids)}",
        "",
        "Beyond any owner's authority, always decided by the council: "
        + ", ".join(m.label.lower() for m in COUNCIL_MATTERS)
        + ".",
        "",
        "## Guardrails",
        f"**Risk tier {extras.tier}:** {text(extras.guardrails)}.",
    ]
    if extras.pending is not None:
        lines.append(
            f"A change to **{text(extras.pending.to_tier)}** is waiting for the council "
            f"(escalation #{extras.pending.escalation_id})."
        )
    lines += ["", "## Risk-review triggers"]
    lines += [
        f"- {text(rule.describe())}"
        + (" — :rotating_light: **past it now**" if rule.metric in extras.breached else "")
        for rule in extras.rules
    ] or ["None set."]
    return lines + _kpi(content.kpi)


def _confirmation(content: CanvasContent) -> str:
    """Where the council's confirmation of the rights above stands."""
    found = content.confirmation
    if found is None:
        return (
            "**Confirmed by the AI council:** not yet (a council member presses _Confirm "
            "decision rights_ on `/cadence map`)."
        )
    who = person(found.confirmation.confirmed_by)
    when = f"{found.confirmation.created_at.astimezone(ZoneInfo(content.timezone)):%a %d %b %Y}"
    if not found.holds:
        return (
            f"**Confirmed by the AI council:** by {who} on {when}, but the rights changed "
            "since: the council confirms them again."
        )
    return f"**Confirmed by the AI council:** by {who} on {when}."


def _amount(value: float, unit: str) -> str:
    return f"{number(value)}%" if unit == "%" else f"{number(value)} {text(unit)}".rstrip()


def _node(node: NodeView) -> str:
    """'  - ✓ **Tier-1 queries resolved**: 87% · target ≥ 85% · `▂▄▆█`' (indented by level)."""
    mark = {True: "✓", False: "✗", None: "·"}[node.met]
    value = node.value
    shown = "_no value yet_" if value is None else _amount(value, node.unit)
    if value is not None and node.weeks_old:
        shown += f" _({node.weeks_old} wk ago)_"
    line = (
        f"{'  ' * node.depth}- {mark} **{text(node.name)}**: {shown} · target "
        f"{node.direction.sign} {_amount(node.target, node.unit)}"
    )
    if sum(v is not None for v in node.values) > 1:
        line += f" · `{node.sparkline()}`"
    met, missed, missing = node.below
    if met or missed:
        line += f" · below it: {met} ✓ {missed} ✗" + (f", {missing} not reported" if missing
                                                     else "")  # fmt: skip
    return line


def _kpi(tree: KpiTreeView | None) -> list[str]:
    """The whole KPI tree, indented by level, with each node's value, target and ✓/✗."""
    lines = ["", "## KPI tree"]
    if tree is None:
        return [*lines, "None yet: the outcome owner sets it with `/cadence kpi`."]
    return [
        *lines,
        f"_✓ target reached · ✗ not reached · values up to the week of "
        f"{tree.week_start:%d %b %Y}._",
        "",
        *(_node(node) for node in tree.nodes),
    ]


def _rights_table(rows: list[MapRow]) -> str:
    duties = list(Duty)
    head = ["Decision point", *(d.value.capitalize() for d in duties), "Always the council"]
    table = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        by_duty = {line.duty: line for line in row.duties}
        cells = [f"**{row.point.label}**"]
        for duty in duties:
            line = by_duty.get(duty)
            if line is None or not line.parties:
                cells.append("_unset_")
                continue
            roles = ", ".join(_party(p) for p in line.parties)
            cells.append(f"{_people(line.people)} ({roles})")
        cells.append(", ".join(m.label.lower() for m in row.council_matters) or "—")
        table.append("| " + " | ".join(cells) + " |")
    return "\n".join(table)


def _session_name(entry: LogEntry) -> str:
    session = entry.session
    name = f"Week of {session.week_start:%d %b %Y}"
    if session.kind == SessionKind.RISK_REVIEW and session.title:
        return f"{name} · {text(session.title)}"
    if session.kind != SessionKind.WEEKLY:
        return f"{name} · extra governance session #{session.number}"
    return name


def _log(content: CanvasContent) -> list[str]:
    lines = ["", "---", "", "# Decision log", "_Newest first, with rationale and follow-ups._"]
    if not content.log:
        return [*lines, "", "No governance decision has been recorded yet."]
    for entry in content.log:
        decision = entry.decision
        lines += [
            "",
            f"## {_session_name(entry)}: {GovernanceChoice(decision.choice).label}",
            f"Recorded by {person(decision.recorded_by)}, "
            f"{_when(decision.created_at, content.timezone)}",
            "",
            f"> {text(decision.rationale)}",
        ]
        if entry.actions:
            lines += ["", "**Follow-ups**"]
        for action in entry.actions:
            done = action.status == ActionStatus.DONE
            due = f", due {action.due_on:%a %d %b %Y}" if action.due_on else ""
            lines.append(
                f"- [{'x' if done else ' '}] {text(action.description)} — "
                f"{person(action.owner_id)}{due}" + (" (done)" if done else "")
            )
        if decision.re_review_on:
            lines += ["", f"Re-review on {decision.re_review_on:%a %d %b %Y}."]
    return lines


def build_markdown(content: CanvasContent) -> str:
    """The whole canvas: the map first, then the decision log (cut to Slack's size limit)."""
    document = "\n".join([*_map(content), *_log(content)]) + "\n"
    if len(document) > MARKDOWN_MAX:
        document = document[: MARKDOWN_MAX - 2] + "…\n"
    return document
