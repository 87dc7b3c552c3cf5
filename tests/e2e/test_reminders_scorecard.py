"""The workflow owner is reminded to report the scorecard before the weekly thread opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from slackfake.forms import all_text
from storage.models import ScorecardEntry, Workflow
from tests.cast import LI, MARIA
from tests.e2e.test_governance import staffed
from tests.e2e.test_reminders import sweep

THURSDAY = datetime(2026, 11, 19, 10, 0, tzinfo=UTC)
FRIDAY_8 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
FRIDAY_9 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def reminders_to(bot, user: str) -> list[dict]:
    """Scorecard reminders in a person's DM (owner notices are there too)."""
    return [m for m in bot.fake.dms(user) if "scorecard for" in m["text"]]


def test_scorecard_reminder_goes_on_the_last_working_day_and_opens_the_modal(bot, frozen_clock):
    # Threads open Monday 09:00; 24 h before is a Sunday, so the reminder goes on Friday.
    staffed(bot, frozen_clock, at=THURSDAY)
    bot.deliverer.channel_pace = 0
    sweep(bot)
    frozen_clock.current = FRIDAY_8
    sweep(bot)
    assert reminders_to(bot, LI) == []

    frozen_clock.current = FRIDAY_9
    sweep(bot)
    sweep(bot)

    [dm] = reminders_to(bot, LI)
    assert "scorecard for *Support resolution*" in dm["text"]
    assert "Throughput" in dm["text"] and "Rework volume" in dm["text"]
    assert reminders_to(bot, MARIA) == [], "the workflow owner reports, not the outcome owner"

    before = set(bot.fake.views)
    reply = bot.sim.click(dm, user=LI, text="Report metrics")
    assert reply.status == 200
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [view_id] = set(bot.fake.views) - before
    view = bot.fake.views[view_id]
    assert "week of 23 Nov 2026" in all_text(view)
    saved = bot.sim.submit(view, user=LI, values={
        "Throughput (items/week)": "1200", "Quality trend (percent, 0-100)": "97",
        "Exception rate (percent, 0-100)": "3", "Rework volume (items)": "14",
    })  # fmt: skip
    assert saved.json["response_action"] == "update"
    with bot.session() as db:
        weeks = {e.week_start.isoformat() for e in db.exec(select(ScorecardEntry)).all()}
    assert weeks == {"2026-11-23"}

    frozen_clock.advance(days=2)
    sweep(bot)
    assert len(reminders_to(bot, LI)) == 1


def test_a_complete_scorecard_needs_no_reminder(bot, frozen_clock):
    staffed(bot, frozen_clock, at=THURSDAY)
    bot.deliverer.channel_pace = 0
    with bot.session() as db:
        workflow = db.exec(select(Workflow).where(Workflow.name == "Support resolution")).one()
        for metric, value in (("throughput", 1), ("quality", 90), ("exception_rate", 2),
                              ("rework_volume", 3)):  # fmt: skip
            db.add(ScorecardEntry(workflow_id=workflow.id, week_start=datetime(2026, 11, 23).date(),
                                  metric=metric, value=value, recorded_by=LI))  # fmt: skip
        db.commit()
    frozen_clock.current = FRIDAY_9
    sweep(bot)
    assert reminders_to(bot, LI) == []
