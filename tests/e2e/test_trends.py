"""Trends end to end: eight weeks of scorecards, with gaps, in the thread and /cadence scorecard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slackfake.forms import all_text
from tests.cast import EVE, GOV, LI, MARIA
from tests.e2e.helpers import run, said
from tests.e2e.test_governance import SUPPORT, open_threads, parents, settle, staffed
from tests.e2e.test_risk_reviews import TRIGGERS, open_modal

FIRST_MONDAY = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
# Exception rate per week, oldest first; None: nobody reported that week.
EXCEPTION_RATES = [3.1, None, 4.0, None, None, 4.5, 4.8, 4.9]


def eight_weeks(bot, clock) -> None:
    staffed(bot, clock, at=FIRST_MONDAY - timedelta(days=3))
    view = open_modal(bot, f"triggers {SUPPORT}", MARIA)
    bot.sim.submit(view, user=MARIA, values=TRIGGERS)
    for week, rate in enumerate(EXCEPTION_RATES):
        clock.current = FIRST_MONDAY + timedelta(weeks=week)
        open_threads(bot)
        if rate is not None:
            modal = open_modal(bot, f"scorecard {SUPPORT}", LI)
            values = {
                "Exception rate (percent, 0-100)": str(rate),
                "Throughput (items/week)": "100",
            }
            assert bot.sim.submit(modal, user=LI, values=values).json["response_action"] == "update"
        settle(bot, clock)


def test_the_thread_shows_each_metrics_last_eight_weeks_with_gaps(bot, frozen_clock):
    eight_weeks(bot, frozen_clock)
    latest = all_text(bot.fake.message(GOV, parents(bot)[-1]["ts"]))
    assert "Weekly governance: Support resolution — week of 23 Nov" in latest
    assert (
        "`▁ ▄  ▆██` 3.1% → 4.9% · ↗ rising, worsening · within its trigger: exception rate above 5%"
        in latest
    )
    assert "`▄ ▄  ▄▄▄` 100 → 100 · → flat" in latest  # throughput: reported, never changed
    assert "a blank bar is a week with no value (a gap, never a zero)" in latest
    assert "Quality trend*: _not reported_" in latest and "trigger: quality" not in latest


def test_the_scorecard_command_shows_trends_to_anyone_and_in_the_reporters_form(bot, frozen_clock):
    eight_weeks(bot, frozen_clock)
    shown = said(run(bot, "/cadence", f"scorecard {SUPPORT}", user=EVE))
    assert "Scorecard: Support resolution — week of 23 Nov 2026" in shown
    assert "`▁ ▄  ▆██` 3.1% → 4.9% · ↗ rising, worsening" in shown
    form = open_modal(bot, f"scorecard {SUPPORT}", LI)
    hints = {
        b["block_id"]: b.get("hint", {}).get("text") for b in form["blocks"] if b["type"] == "input"
    }
    assert hints["scorecard-exception_rate"] == (
        "Last 8 weeks: ▁ ▄  ▆██ 3.1% → 4.9% · ↗ rising, worsening · within its trigger: "
        "exception rate above 5%"
    )
    assert hints["scorecard-quality"] is None
