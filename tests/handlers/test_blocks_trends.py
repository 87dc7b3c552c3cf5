"""Trends as data: sparklines with gaps for missing weeks, inside Block Kit's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from cadence.governance.scorecard import LATENCY, REPORTED, MetricRow
from cadence.governance.trends import Trend, sparkline
from cadence.governance.triggers import Rule
from cadence.vocabulary import ScorecardMetric, SessionKind, TriggerDirection
from handlers.blocks.governance import build_parent, build_scorecard_summary, parent_text
from handlers.blocks.governance_modals import build_scorecard_modal
from handlers.blocks.trends import build_trends_message, trend_line
from slackfake.forms import all_text
from tests.blockkit import assert_within_limits
from tests.handlers.test_blocks_governance import WEEK, view, workflow

WEEKS = [WEEK - timedelta(weeks=7 - i) for i in range(8)]
EXCEPTION = Rule(ScorecardMetric.EXCEPTION_RATE, TriggerDirection.ABOVE, 5)


def trend(metric: ScorecardMetric, values: list[float | None], rule: Rule | None = None) -> Trend:
    return Trend(metric, WEEKS, values, rule)


def test_a_sparkline_scales_to_its_own_range_and_leaves_missing_weeks_blank():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8]) == "▁▂▃▄▅▆▇█"
    assert sparkline([3.1, None, 4.0, None, None, 5.5, 6.0, 7.2]) == "▁ ▃  ▅▆█"
    assert sparkline([0, None, 0, 10]) == "▁ ▁█"  # a real zero is the lowest bar; no value is none
    assert sparkline([4, 4, None]) == "▄▄ "
    assert sparkline([None] * 8) == " " * 8


def test_a_trend_line_gives_first_and_last_values_and_the_direction_against_its_trigger():
    rising = trend(
        ScorecardMetric.EXCEPTION_RATE, [3.1, None, 4, None, None, 5.5, 6, 7.2], EXCEPTION
    )
    assert trend_line(rising) == (
        "`▁ ▃  ▅▆█` 3.1% → 7.2% · ↗ rising, worsening · past its trigger: exception rate above 5%"
    )
    quality = Rule(ScorecardMetric.QUALITY, TriggerDirection.BELOW, 90)
    better = trend(ScorecardMetric.QUALITY, [None, None, 91, 92, 93, 94, 95, 96], quality)
    assert trend_line(better) == (
        "`  ▁▂▄▅▇█` 91% → 96% · ↗ rising, improving · within its trigger: quality trend below 90%"
    )
    latency = trend(ScorecardMetric.DECISION_LATENCY, [None] * 7 + [30.5])
    assert trend_line(latency) == "`       ▄` 30.5 h, one week of 8 so far"
    assert trend_line(trend(ScorecardMetric.THROUGHPUT, [None] * 8)) is None
    rise = Rule(ScorecardMetric.REWORK_VOLUME, TriggerDirection.RISE, 30)
    unknown = trend(ScorecardMetric.REWORK_VOLUME, [5, 6, 6, 6, 6, 6, None, 9], rise)
    assert trend_line(unknown).endswith(
        "↗ rising, worsening · trigger: rework volume up more than 30% week on week"
    )


def test_the_thread_and_the_scorecard_show_trends_within_block_kit_limits():
    worst = [
        trend(m, [1e9 - i if i % 3 else None for i in range(8)], EXCEPTION if m == "x" else None)
        for m in [*REPORTED, ScorecardMetric.DECISION_LATENCY]
    ]
    thread = replace(view(), trends=worst)
    blocks = build_parent(thread)
    assert_within_limits(blocks, "message", text=parent_text(thread))
    shown = all_text(blocks)
    assert shown.count("`") == 2 * 5 and "a blank bar is a week with no value" in shown
    rows = [MetricRow(m, s.label, s.unit, 1e9, None) for m, s in REPORTED.items()]
    rows.append(MetricRow(ScorecardMetric.DECISION_LATENCY, LATENCY.label, LATENCY.unit, 1, 1, 3))
    summary = build_scorecard_summary(workflow(), "23 Nov 2026", rows, trends=worst, note="x" * 900)
    assert_within_limits(summary, "message")
    modal = build_scorecard_modal(
        workflow=workflow(), week_start=WEEK, current={}, latency=rows[-1], trends=worst
    )
    assert_within_limits(modal, "modal")
    hints = [b["hint"]["text"] for b in modal["blocks"] if "hint" in b]
    assert len(hints) == 4 and all(h.startswith("Last 8 weeks: ") for h in hints)


def test_an_extra_session_says_why_and_by_whom_within_limits():
    thread = view()
    session = thread.session
    session.kind, session.number, session.opened_by = SessionKind.RISK_REVIEW, 2, "cadence"
    session.title, session.reason = "Risk review: " + "x" * 200, "<!channel> " + "y" * 490
    blocks = build_parent(thread)
    assert_within_limits(blocks, "message", text=parent_text(thread))
    shown = all_text(blocks)
    assert "*Risk review* by Cadence" in shown and "&lt;!channel&gt;" in shown
    assert date(2026, 11, 23).strftime("%d %b") in shown


def test_the_trends_message_of_twelve_weeks_fits_and_names_empty_metrics():
    weeks = [WEEK - timedelta(weeks=11 - i) for i in range(12)]
    shown = [
        Trend(m, weeks, [1e9 - i if i % 4 else None for i in range(12)], EXCEPTION)
        for m in [*REPORTED, ScorecardMetric.DECISION_LATENCY]
    ]
    shown[1] = Trend(ScorecardMetric.QUALITY, weeks, [None] * 12)
    blocks = build_trends_message("N" * 80, shown, note="x" * 5000)
    assert_within_limits(blocks, "message")
    text = all_text(blocks)
    assert "last 12 weeks" in text and "*Quality trend*: _no values in these weeks_" in text
