"""The 30-day accountability reset end to end, across 30 days of an injected clock: started on
a Wednesday, every item checked from what people really do, a late item, the Monday DMs, the
day-28 review and the summary, each once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from slackfake.forms import all_text, buttons
from storage.models import AccountabilityReset, GovernanceSession, RightsConfirmation
from tests.cast import ADMIN, DANA, EVE, GENERAL, GOV, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_escalate import escalate
from tests.e2e.test_escalation_lifecycle import notice
from tests.e2e.test_governance import SUPPORT, open_threads, parents, settle
from tests.e2e.test_risk_reviews import TRIGGERS, open_modal

FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SCORECARD = {
    "Throughput (items/week)": "1,240",
    "Quality trend (percent, 0-100)": "94",
    "Exception rate (percent, 0-100)": "4.1",
    "Rework volume (items)": "12",
}


def at(bot, clock, day: int, hour: int = 10, minute: int = 0) -> None:
    """Move the clock to a day of December (or of November when day > 20), run the jobs the
    scheduler would run then, and deliver what they queued."""
    month = 11 if day > 20 else 12
    clock.current = datetime(2026, month, day, hour, minute, tzinfo=UTC)
    open_threads(bot)
    reset_job(bot)
    settle(bot, clock)


def reset_job(bot) -> str:
    runtime = JobRuntime(bot.settings, bot.engine, bot.deliverer)
    return run_job(JOBS["accountability-resets"], runtime)


def checklist(bot) -> str:
    """The checklist message as it stands now in the governance channel."""
    [message] = [m for m in bot.fake.messages(GOV) if "30-day accountability reset" in m["text"]]
    return all_text(bot.fake.message(GOV, message["ts"]))


def line(text: str, title: str) -> str:
    """The checklist's line of one item (and its 'Next' line)."""
    lines = text.splitlines()
    index = next(i for i, ln in enumerate(lines) if title in ln)
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return lines[index] + ("\n" + following if "Next:" in following else "")


def monday_dms(bot) -> list[str]:
    return [m["text"] for m in bot.fake.dms(MARIA) if "of the 30-day reset" in m["text"]]


def summaries(bot, channel: str) -> list[dict]:
    return [m for m in bot.fake.messages(channel) if "30-day reset of" in m["text"]]


def test_a_reset_started_on_a_wednesday_is_checked_from_real_actions_for_30_days(
    bot, frozen_clock
):
    frozen_clock.current = FRIDAY
    bot.deliverer.channel_pace = 0
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/cadence", f"workflow add Onboarding in <#{GENERAL}|general>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)

    # Wednesday 25 Nov: someone without authority is refused; the outcome owner starts it.
    frozen_clock.current = WEDNESDAY
    refused = said(run(bot, "/cadence", f"reset {SUPPORT}", user=EVE))
    assert "outcome owner (<@UMARIA>)" in refused
    started = said(run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA))
    assert "Started the 30-day accountability reset of *Support resolution*" in started
    assert "(day 1: Wed 25 Nov)" in started
    settle(bot, frozen_clock)
    shown = checklist(bot)
    assert "30-day accountability reset: Support resolution" in shown
    assert "day *1* of 30 (week 1) · ends Thu 24 Dec" in shown
    assert "*Week 1* · Wed 25 Nov to Tue 01 Dec" in shown
    assert "*Week 4* · Wed 16 Dec to Thu 24 Dec" in shown
    assert f"*Focus workflow chosen* — *{SUPPORT}* · <@{MARIA}>, Wed 25 Nov 10:00" in shown
    owners = line(shown, "Outcome owner and workflow owner assigned")
    assert "no workflow owner" in owners and f"<@{MARIA}>: `/owner workflow @person" in owners
    assert ":hourglass_flowing_sand:" in owners

    # A second reset while this one runs: the outcome owner of Onboarding may not, a council
    # member only with a reason.
    run(bot, "/owner", f"outcome <@{SAM}> Onboarding", user=ADMIN)
    depth = said(run(bot, "/cadence", "reset Onboarding", user=SAM))
    assert "only a member of the AI council can start another one" in depth
    why = said(run(bot, "/cadence", "reset Onboarding", user=DANA))
    assert "say why: `/cadence reset Onboarding because REASON`" in why
    with bot.session() as db:
        assert len(db.exec(select(AccountabilityReset)).all()) == 1

    # Week 1: the workflow owner is named, the map is posted on Tuesday.
    frozen_clock.current = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)
    reset_job(bot)
    settle(bot, frozen_clock)
    owners = line(checklist(bot), "Outcome owner and workflow owner assigned")
    assert f"outcome <@{MARIA}>, workflow <@{LI}> · <@{ADMIN}>, Wed 25 Nov 11:00" in owners
    assert owners.startswith(":white_check_mark:")
