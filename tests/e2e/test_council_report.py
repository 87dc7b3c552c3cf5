"""The monthly council report end to end: two months of history, the job, /cadence report."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from bot.ratelimit import MethodLimiter
from slackfake.forms import all_text
from storage.models import CouncilReport, OutboxMessage
from tests.cadence.report_history import seed_two_months
from tests.cast import ADMIN, DANA, EVE, GOV, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_governance import SUPPORT
from tests.e2e.test_reset import reset_job

COUNCIL_CHANNEL = "CCOUNCIL"
DUE = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)  # Tuesday 1 December, 09:00 in Paris


def history(bot, clock) -> None:
    bot.fake.add_channel(COUNCIL_CHANNEL, name="ai-council")
    # The seeded history queues ~190 notices and updates; neither channel pacing nor Slack's
    # per-method budgets are what this proves (tests/bot/test_delivery.py and test_ratelimit.py
    # do), so they go at once instead of holding the deliverer for real seconds.
    bot.deliverer.channel_pace = 0
    bot.deliverer.limiter = MethodLimiter({})
    with bot.session() as db:
        seed_two_months(db, clock, team_id=bot.sim.team_id)


def report_job(bot) -> str:
    return run_job(JOBS["council-report"], JobRuntime(bot.settings, bot.engine, bot.deliverer))


def delivered(bot, clock) -> None:
    """Deliver the report's messages (the seeded history queued many DMs ahead of them)."""
    for _ in range(60):
        with bot.session() as db:
            rows = db.exec(select(OutboxMessage)).all()
        if all(m.status == "sent" for m in rows if m.idempotency_key.startswith("council-report:")):
            return
        clock.advance(seconds=2)
        bot.deliverer.deliver_due()
    raise AssertionError("the report was not delivered")


def council_posts(bot) -> list[dict]:
    return [m for m in bot.fake.messages(COUNCIL_CHANNEL) if "council report" in m["text"]]


def test_the_report_is_posted_once_to_the_council_channel_and_shown_on_demand(bot, frozen_clock):
    history(bot, frozen_clock)
    answer = run(bot, "/cadence", f"council channel <#{COUNCIL_CHANNEL}|ai-council>", user=DANA)
    assert "will be posted in <#CCOUNCIL>" in said(answer)

    frozen_clock.current = DUE.replace(hour=7, minute=59)
    assert report_job(bot).startswith("made 0 report(s)")
    frozen_clock.current = DUE
    assert report_job(bot).startswith("made 1 report(s) (T0001 2026-11)")
    assert report_job(bot).startswith("made 0 report(s) (none), 1 already made")
    delivered(bot, frozen_clock)

    (post,) = council_posts(bot)
    text = all_text(post["blocks"])
    assert (
        post["text"] == "AI council report, November 2026: 3 things need the council's attention."
    )
    assert text.index("Needs the council's attention") < text.index("In total")
    assert "Decisions on *Renewal risk* are slower" in text and "*Support resolution*" in text
    assert "No activity: Onboarding." in text

    mine = said(run(bot, "/cadence", "report", user=DANA))
    assert "AI council report: November 2026" in mine and "made 01 Dec 2026 08:00 UTC" in mine
    with bot.session() as db:
        stored = db.exec(select(CouncilReport)).one()
    assert f"Escalations: {stored.figures['total']['escalations']} (" in mine


def test_any_past_period_on_demand_privately_and_only_for_those_entitled(bot, frozen_clock):
    history(bot, frozen_clock)
    frozen_clock.current = DUE

    october = run(bot, "/cadence", "report 2026-10", user=ADMIN)
    assert october["response_type"] == "ephemeral"
    assert "AI council report: October 2026" in said(october) and "counted just now" in said(
        october
    )
    quarter = said(run(bot, "/cadence", "report Q4 2026", user=DANA))
    assert "AI council report: Q4 2026" in quarter
    quiet = said(run(bot, "/cadence", "report September 2026", user=DANA))
    assert "No activity in September 2026" in quiet

    owner = said(run(bot, "/cadence", "report last month", user=MARIA))
    assert "*Support resolution*" in owner and "Renewal risk" not in owner
    # Her copy says it is hers: its totals are her workflows', not the workspace's.
    assert owner.startswith("AI council report, November 2026 (your workflows):")
    assert "Only the workflows you are the outcome owner of: *Support resolution*." in owner
    assert "*In total* (your workflows)" in owner
    assert "(your workflows)" not in quarter and "Only the workflows" not in quarter
    refused = said(run(bot, "/cadence", "report", user=EVE))
    assert "AI council members, workspace admins and outcome owners" in refused
    future = said(run(bot, "/cadence", "report 2027-02", user=DANA))
    assert "February 2027 has not started yet" in future


def test_without_a_channel_each_council_member_gets_it_by_dm(bot, frozen_clock):
    history(bot, frozen_clock)
    frozen_clock.current = DUE
    report_job(bot)
    delivered(bot, frozen_clock)

    dms = [m for m in bot.fake.dms(DANA) if "AI council report" in m.get("text", "")]
    assert len(dms) == 1 and council_posts(bot) == []


def test_a_reset_shows_in_the_report_in_words_not_audit_names(bot, frozen_clock):
    """The 30-day reset's evidence (started, next focus set) reads as words in the report; its
    Monday DMs are reminders, not evidence, and are not counted."""
    frozen_clock.current = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    run(bot, "/cadence", f"reset next {SUPPORT}", user=MARIA)
    frozen_clock.current = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # its first Monday
    reset_job(bot)
    assert "reset.weekly_dm" in audit_actions(bot)

    frozen_clock.current = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    shown = said(run(bot, "/cadence", "report 2026-11", user=DANA))
    [recorded] = {ln for ln in shown.splitlines() if "Also recorded" in ln}
    assert "30-day resets started 1" in recorded and "next 30-day focus set 1" in recorded
    assert "reset." not in shown and "weekly" not in shown
