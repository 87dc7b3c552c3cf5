"""The monthly council report as a Slack message: attention first, then the figures."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cadence.evidence.figures import CouncilMatter, Latency, ReportFigures, Section, duration
from cadence.vocabulary import CouncilMatter as MatterKind
from cadence.vocabulary import DecisionPoint
from handlers.blocks.kit import (
    cap_blocks,
    context,
    divider,
    escape,
    header,
    section,
    truncate,
)
from slackfake.limits import LIMITS

MATTERS_SHOWN = 10
CHOICE_WORDS = {
    "continue": "continue",
    "stabilize": "stabilize",
    "pause": "pause",
    "redesign": "stop",
    "skipped": "skipped",
}


def report_text(figures: ReportFigures, *, only: list[str] | None = None) -> str:
    """The notification text: what the report is and how much needs attention (`only`: the
    workflows an outcome owner's copy is limited to)."""
    if only is not None:
        figures = figures.model_copy(update={"label": f"{figures.label} (your workflows)"})
    if figures.quiet:
        return f"AI council report, {figures.label}: no activity."
    things = len(figures.attention)
    need = f"{things} thing{'s need' if things != 1 else ' needs'}" if things else "nothing needs"
    return f"AI council report, {figures.label}: {need} the council's attention."


def build_council_report(
    figures: ReportFigures, *, made_at: datetime | None = None, only: list[str] | None = None
) -> list[dict[str, Any]]:
    """The report: the three things needing attention, the totals, council matters, workflows
    (`only`: an outcome owner's copy, limited to these workflows, and saying so)."""
    blocks = [header(f"AI council report: {figures.label}")]
    if only is not None:
        names = truncate(", ".join(f"*{escape(n)}*" for n in only), 1500)
        blocks.append(
            context(
                f"Only the workflows you are the outcome owner of: {names}. The AI council's "
                "report covers every workflow."
            )
        )
    if figures.audit_problem:
        blocks.append(section(audit_warning(figures.audit_problem)))
    if figures.quiet:
        where = " on your workflows" if only is not None else ""
        blocks.append(
            section(
                f"No activity in {figures.label}{where}: no governance threads, "
                "decisions, escalations, gaps or follow-ups were recorded."
            )
        )
        if note := audit_note(figures):
            blocks.append(context(note))
        return blocks
    if figures.attention:
        lines = [f"{n}. {item.text}" for n, item in enumerate(figures.attention, start=1)]
        blocks.append(section("*Needs the council's attention*\n" + "\n".join(lines)))
    else:
        blocks.append(section("*Nothing needs the council's attention this month.*"))
    total = "*In total* (your workflows)" if only is not None else "*In total*"
    blocks += [divider(), section(total + "\n" + "\n".join(section_lines(figures.total)))]
    if figures.council_matters:
        blocks.append(section(_matters(figures.council_matters)))
    blocks.append(divider())
    blocks += [
        section(f"*{escape(s.workflow or '')}*\n" + "\n".join(section_lines(s)))
        for s in figures.workflows
    ]
    notes = [note] if (note := audit_note(figures)) else []
    if figures.quiet_workflows:
        quiet = ", ".join(escape(n) for n in figures.quiet_workflows)
        notes.append(f"No activity: {truncate(quiet, 1500)}.")
    made = f"made {made_at:%d %b %Y %H:%M} UTC" if made_at else "counted just now"
    notes.append(
        f"Figures as of the end of {figures.label} ({figures.timezone}), {made}. "
        "`/cadence report 2026-10` or `Q3 2026` shows another period."
    )
    blocks.append(context(*notes))
    return cap_blocks(
        blocks,
        LIMITS.message_blocks,
        more="More workflows than one message holds: `cadence-bot export` has every row.",
    )


def audit_warning(problem: str) -> str:
    """Said first when the audit log did not verify: the record may have been rewritten."""
    return (
        f":warning: *The audit log did not verify.* {escape(truncate(problem, 600))} "
        "Ask an admin to run `cadence-bot audit verify` and compare it with a backup."
    )


def audit_note(figures: ReportFigures) -> str | None:
    """The line that says the record behind the figures is intact (None if not checked)."""
    if figures.audit_rows is None or figures.audit_problem:
        return None
    newest = (
        f", newest hash `{figures.audit_newest_hash[:16]}`" if figures.audit_newest_hash else ""
    )
    return (
        f":lock: Audit log verified: {figures.audit_rows:,} rows in an unbroken hash chain{newest}."
    )


def section_lines(s: Section) -> list[str]:
    """The figures of one workflow (or the total), one line per subject, empty ones left out."""
    lines = []
    if s.decided or s.sessions:
        kinds = " · ".join(f"{s.decisions.get(c, 0)} {word}" for c, word in CHOICE_WORDS.items())
        lines.append(
            f"• Decisions: {kinds}; {s.undecided} left undecided, {s.still_open} still open "
            f"(of {s.sessions} thread{'s' if s.sessions != 1 else ''})"
        )
    if s.latency.count or s.previous_latency.count:
        lines.append(f"• Decision latency: {_latency(s.latency)}{_trend(s)}")
    if s.escalations:
        lines.append(
            f"• Escalations: {s.escalations} ({_counts(s.by_kind, _kind)}); "
            f"{_counts(s.by_severity, _severity)}; tier reached "
            f"{_counts(s.by_tier, _tier)}"
        )
        lines.append(
            f"• Time to acknowledge: median {duration(s.ack.median_s)}; to resolve: "
            f"median {duration(s.resolve.median_s)} ({s.resolve.count} resolved)"
        )
    if s.council_raised:
        lines.append(
            f"• Council matters: {s.council_raised} raised, {s.council_resolved} "
            f"resolved, {s.council_raised - s.council_resolved} open"
        )
    if s.gaps:
        lines.append(f"• Ownership gaps: {s.gaps}, {s.gaps_closed} closed")
    if s.actions_due:
        lines.append(
            f"• Follow-up actions due: {s.actions_due}: {s.actions_on_time} done on "
            f"time, {s.actions_late} done late, {s.actions_overdue} overdue"
        )
    if s.other:
        lines.append(f"• Also recorded: {_counts(s.other, _evidence)}")
    return lines or ["• No activity."]


def _latency(latency: Latency) -> str:
    if not latency.count:
        return "no decisions"
    return f"median {duration(latency.median_s)}, worst {duration(latency.worst_s)}"


def _trend(s: Section) -> str:
    before = s.previous_latency
    if not before.count:
        return " (no decisions the month before)"
    trend = s.trend_s
    if trend is None:
        return f" (the month before: median {duration(before.median_s)})"
    arrow = "slower" if trend > 0 else "faster" if trend < 0 else "unchanged"
    return f" ({arrow}; the month before: median {duration(before.median_s)})"


# The audit actions of other features that the report counts, as a reader says them.
EVIDENCE_LABELS = {
    "risk.trigger_set": "risk-review triggers set",
    "risk.trigger_removed": "risk-review triggers removed",
    "risk.breach_started": "risk-review triggers crossed",
    "risk.breach_ended": "risk-review triggers back within bounds",
    "risk.tier_change_requested": "risk-tier changes requested",
    "risk.tier_change_approved": "risk-tier changes approved",
    "risk.tier_change_rejected": "risk-tier changes rejected",
    "risk.tier_change_refused": "risk-tier changes refused",
    "reset.started": "30-day resets started",
    "reset.next_set": "next 30-day focus set",
    "reset.finished": "30-day resets finished",
    "reset.stopped": "30-day resets stopped early",
}


def _evidence(action: str) -> str:
    return EVIDENCE_LABELS.get(action, action.replace("_", " "))


def _counts(counts: dict[str, int], name: Any) -> str:
    return ", ".join(f"{name(k)} {n}" for k, n in counts.items()) or "none"


def _kind(value: str) -> str:
    if value in {m.value for m in MatterKind}:
        return MatterKind(value).label.lower()
    return (
        DecisionPoint(value).label.lower() if value in {p.value for p in DecisionPoint} else value
    )


def _severity(value: str) -> str:
    return value.replace("sev", "sev-")


def _tier(value: str) -> str:
    return {"0": "first owner", "1": "one climb"}.get(value, f"{value} climbs")


def _matters(matters: list[CouncilMatter]) -> str:
    lines = ["*Council matters raised*"]
    room = (
        LIMITS.section_text - 200
    )  # what the lines may use, leaving room for the "and N more" line
    for m in matters[:MATTERS_SHOWN]:
        ended = "*still open*"
        if m.resolved_on:
            note = f": {escape(truncate(m.resolution, 150))}" if m.resolution else ""
            ended = f"resolved {m.resolved_on}{note}"
        line = (
            f"• #{m.escalation_id} {_kind(m.matter)} ({_severity(m.severity)}) on "
            f"*{escape(truncate(m.workflow, 80))}*: {escape(truncate(m.summary, 120))}. {ended}"
        )
        if sum(len(x) + 1 for x in lines) + len(line) > room:
            break
        lines.append(line)
    if (shown := len(lines) - 1) < len(matters):
        more = len(matters) - shown
        lines.append(f"…and {more} more (`cadence-bot export escalations` lists them all).")
    return "\n".join(lines)
