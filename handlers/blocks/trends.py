"""Trend lines: a metric's last weeks as a sparkline, first and last values, and its direction."""

from __future__ import annotations

from cadence.governance.trends import Trend
from cadence.governance.triggers import number
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.kit import context, escape, header, section

ARROWS = {"rising": "↗", "falling": "↘", "flat": "→"}


def short(trend: Trend, value: float) -> str:
    """'7.2%', '72 h', '1,240'."""
    if trend.metric == ScorecardMetric.DECISION_LATENCY:
        return f"{number(value)} h"
    return f"{number(value)}%" if trend.unit == "%" else number(value)


def trend_line(trend: Trend, *, code: bool = True) -> str | None:
    """'`▁▂ ▄▆█` 3.1% → 7.2% · ↗ rising, worsening · past its trigger: exception rate above 5%',
    or None when no week has a value (`code`: the sparkline as mrkdwn code, monospaced)."""
    known = trend.known
    if not known:
        return None
    weeks = len(trend.values)
    if len(known) == 1:
        span = f"{short(trend, known[0])}, one week of {weeks} so far"
    else:
        span = f"{short(trend, known[0])} → {short(trend, known[-1])}"
    bars = f"`{trend.sparkline()}`" if code else trend.sparkline()
    parts = [f"{bars} {span}"]
    movement = trend.movement()
    if movement is not None:
        against = trend.against_trigger()
        parts.append(f"{ARROWS[movement]} {movement}" + (f", {against}" if against else ""))
    if trend.rule is not None:
        past = trend.past_trigger()
        where = {True: "past its trigger", False: "within its trigger", None: "trigger"}[past]
        described = trend.rule.describe().lower()
        parts.append(f"{where}: {escape(described) if code else described}")
    return " · ".join(parts)


def trend_caption(weeks: int) -> str:
    """What the trends show, for a context line."""
    return (
        f"Trends: the last {weeks} weeks, oldest first; a blank bar is a week with no value "
        "(a gap, never a zero)."
    )


def build_trends_message(workflow_name: str, trends: list[Trend], *, note: str = "") -> list[dict]:
    """Every metric's trend as text: what `/cadence trends` posts beside (or instead of) its
    chart."""
    weeks = len(trends[0].values) if trends else 0
    lines = [f"• *{t.label}*: {trend_line(t) or '_no values in these weeks_'}" for t in trends]
    blocks = [
        header(f"Scorecard trends: {workflow_name} — last {weeks} weeks"),
        section("\n".join(lines)),
        context(trend_caption(weeks)),
    ]
    if note:
        blocks.append(context(note))
    return blocks
