"""Reminder DMs end to end: due moments, quiet hours, snoozes, Done, and never twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from slackfake.forms import all_text
from storage.clock import now
from storage.models import (
    ActionItem,
    Decision,
    GovernanceSession,
    OwnerAssignment,
    Reminder,
    SlackUser,
    Workflow,
)
from tests import cast
from tests.cast import GOV, LI, MARIA, SAM
from tests.conftest import RunningBot

TEAM = "T0001"


def sweep(bot: RunningBot) -> str:
    """Run the reminder job now, then deliver what it queued."""
    outcome = run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    bot.deliverer.deliver_due()
    return outcome


def add_workflow(bot: RunningBot, *, outcome: str = MARIA, owner: str = LI) -> int:
    with bot.session() as db:
        workflow = Workflow(team_id=TEAM, name="Support resolution", name_key="support resolution",
                            channel_id=GOV, created_by=MARIA)  # fmt: skip
        db.add(workflow)
        db.flush()
        for role, user in (("outcome", outcome), ("workflow", owner)):
            db.add(OwnerAssignment(workflow_id=workflow.id, role=role, user_id=user,
                                   assigned_by=MARIA))  # fmt: skip
        db.commit()
        return workflow.id


def add_action(bot: RunningBot, workflow_id: int, *, owner: str, due_on: date) -> int:
    with bot.session() as db:
        item = ActionItem(workflow_id=workflow_id, description="Retrain the refund classifier",
                          owner_id=owner, due_on=due_on, created_by=MARIA)  # fmt: skip
        db.add(item)
        db.commit()
        return item.id


def reminders_sent(bot: RunningBot) -> list[tuple[str, str, int]]:
    with bot.session() as db:
        rows = db.exec(select(Reminder).order_by(Reminder.id)).all()
        return [(r.subject, r.recipient, r.sequence) for r in rows]


# The frozen clock starts Monday 2026-11-23 09:00 UTC.


@pytest.fixture(autouse=True)
def unpaced(bot: RunningBot) -> None:
    """The frozen clock would hold a paced second DM forever; pacing has its own tests."""
    bot.deliverer.channel_pace = 0


def test_action_due_tomorrow_reminds_its_owner_once_with_done_and_snooze(bot, frozen_clock):
    workflow = add_workflow(bot)
    action = add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 24))

    sweep(bot)
    sweep(bot)  # a second run, or a second replica, sends nothing more

    [dm] = bot.fake.dms(SAM)
    text = all_text(dm["blocks"])
    assert "Retrain the refund classifier" in text and "Tue 24 Nov" in text
    labels = [b["text"]["text"] for b in dm["blocks"][-1]["elements"]]
    assert labels == ["Done", "Snooze 1 hour", "Snooze 1 day"]
    assert reminders_sent(bot) == [(f"action:{action}", SAM, 1)]

    reply = bot.sim.click(dm, user=SAM, text="Done")
    assert reply.status == 200
    bot.fake.wait_for(lambda: "Marked done" in all_text(bot.fake.dms(SAM)[0]["blocks"]))
    with bot.session() as db:
        item = db.get(ActionItem, action)
        assert (item.status, item.completed_by) == ("done", SAM)
    assert "actions" not in [b["type"] for b in bot.fake.dms(SAM)[0]["blocks"]]

    frozen_clock.advance(days=3)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 1, "reminded about a finished action"


def test_overdue_action_is_reminded_each_day_until_done(bot, frozen_clock):
    workflow = add_workflow(bot)
    add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 20))

    sweep(bot)
    frozen_clock.advance(hours=5)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 1, "reminded twice in one day"
    frozen_clock.advance(hours=19)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 2


def test_someone_else_cannot_mark_an_action_done(bot, frozen_clock):
    workflow = add_workflow(bot)
    action = add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 24))
    sweep(bot)
    [dm] = bot.fake.dms(SAM)

    bot.sim.click(dm, user="UEVE", text="Done")

    [answer] = bot.fake.wait_for_responses(count=1)
    assert "Only <@USAM>" in answer.get("text", "")
    with bot.session() as db:
        assert db.get(ActionItem, action).status == "open"


def test_snooze_holds_the_reminder_then_it_comes_back(bot, frozen_clock):
    workflow = add_workflow(bot)
    add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 24))
    sweep(bot)
    [dm] = bot.fake.dms(SAM)

    bot.sim.click(dm, user=SAM, text="Snooze 1 hour")
    bot.fake.wait_for(lambda: "Snoozed until" in all_text(bot.fake.dms(SAM)[0]["blocks"]))

    frozen_clock.advance(minutes=59)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 1, "snooze not respected"
    frozen_clock.advance(minutes=1)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 2
    frozen_clock.advance(minutes=10)
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 2, "the snooze fired twice"


def test_quiet_hours_follow_the_persons_own_time_zone(bot, frozen_clock):
    # 09:00 UTC on Monday is 01:00 in Los Angeles: Li's reminder waits for his morning.
    cast.add(bot.fake, LI, tz="America/Los_Angeles")
    workflow = add_workflow(bot)
    add_action(bot, workflow, owner=LI, due_on=date(2026, 11, 20))  # overdue: due now
    add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 20))

    report = sweep(bot)

    assert "waiting for working hours 1" in report
    assert bot.fake.dms(LI) == [] and len(bot.fake.dms(SAM)) == 1
    with bot.session() as db:
        stored = db.exec(select(SlackUser).where(SlackUser.user_id == LI)).one()
        assert stored.tz == "America/Los_Angeles"

    frozen_clock.advance(hours=7, minutes=58)
    sweep(bot)
    assert bot.fake.dms(LI) == []
    frozen_clock.advance(minutes=2)  # 17:00 UTC = 09:00 in Los Angeles
    sweep(bot)
    assert len(bot.fake.dms(LI)) == 1


def test_weekend_waits_for_monday_morning(bot, frozen_clock):
    frozen_clock.advance(days=5, hours=3)  # Saturday 12:00 UTC
    workflow = add_workflow(bot)
    add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 29))

    sweep(bot)
    assert bot.fake.dms(SAM) == []
    frozen_clock.advance(days=1, hours=21)  # Monday 09:00
    sweep(bot)
    assert len(bot.fake.dms(SAM)) == 1


def open_session(bot: RunningBot, workflow_id: int, *, age: timedelta) -> int:
    with bot.session() as db:
        session = GovernanceSession(team_id=TEAM, workflow_id=workflow_id,
                                    week_start=date(2026, 11, 16), channel_id=GOV)  # fmt: skip
        session.created_at = now() - age
        db.add(session)
        db.commit()
        return session.id


def test_undecided_thread_reminds_the_decision_owner_after_48_hours(bot, frozen_clock):
    workflow = add_workflow(bot)
    session = open_session(bot, workflow, age=timedelta(hours=47))

    sweep(bot)
    assert bot.fake.dms(MARIA) == []

    frozen_clock.advance(hours=1)
    sweep(bot)
    sweep(bot)
    [dm] = bot.fake.dms(MARIA)
    assert "still open" in dm["text"] and "Support resolution" in dm["text"]
    assert bot.fake.dms(LI) == [], "the workflow owner does not record the decision"

    with bot.session() as db:
        db.add(Decision(session_id=session, choice="continue", rationale="fine",
                        recorded_by=MARIA))  # fmt: skip
        db.commit()
    frozen_clock.advance(days=2)
    sweep(bot)
    assert len(bot.fake.dms(MARIA)) == 1


def test_reminder_queued_before_the_action_was_done_is_not_sent(bot, frozen_clock):
    workflow = add_workflow(bot)
    action = add_action(bot, workflow, owner=SAM, due_on=date(2026, 11, 24))
    run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    with bot.session() as db:
        db.get(ActionItem, action).status = "done"
        db.commit()

    bot.deliverer.deliver_due()

    assert bot.fake.dms(SAM) == []


@pytest.mark.parametrize("restarts", [1, 3])
def test_restarts_mid_sweep_never_send_a_reminder_twice(bot, frozen_clock, restarts):
    workflow = add_workflow(bot)
    for n in range(5):
        add_action(bot, workflow, owner=[SAM, LI, MARIA][n % 3], due_on=date(2026, 11, 24))
    for _ in range(restarts):
        run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    bot.deliverer.deliver_due()
    bot.deliverer.deliver_due()

    texts = [m["text"] for u in (SAM, LI, MARIA) for m in bot.fake.dms(u)]
    assert len(texts) == 5
    assert len(reminders_sent(bot)) == 5


def test_reminders_survive_429s_and_an_outage_and_arrive_exactly_once(bot, frozen_clock):
    workflow = add_workflow(bot)
    owners = [SAM, LI, MARIA, "UDANA", "UEVE"]
    for owner in owners:
        add_action(bot, workflow, owner=owner, due_on=date(2026, 11, 24))
    bot.fake.fail("chat.postMessage", status=429, retry_after=3, times=3)
    bot.fake.fail("chat.postMessage", status=500, times=4)

    run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    for _ in range(40):
        bot.deliverer.deliver_due()
        frozen_clock.advance(seconds=5)
        run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))

    assert [len(bot.fake.dms(owner)) for owner in owners] == [1, 1, 1, 1, 1]
    failed = [c for c in bot.fake.calls_to("chat.postMessage") if not c.ok]
    assert len(failed) == 7, "the fake's 429s and 500s were not all met"
