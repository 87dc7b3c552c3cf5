"""Sessions on demand end to end: /cadence review, numbered extra sessions, one per request."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from slackfake.forms import all_text, buttons
from storage.models import AuditEvent, Decision, GovernanceSession
from tests.cast import ADMIN, DANA, EVE, GOV, LI, MARIA, SAM
from tests.e2e.helpers import run, said
from tests.e2e.test_governance import MONDAY_9, SUPPORT, open_threads, sessions, settle, staffed

THURSDAY = datetime(2026, 11, 26, 15, 10, tzinfo=UTC)
NEXT_MONDAY_9 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def extra_parents(bot, channel: str = GOV) -> list[dict]:
    return [m for m in bot.fake.messages(channel) if m["text"].startswith("Extra governance")]


def record(bot, parent: dict, *, user: str, values: dict) -> None:
    before = set(bot.fake.views)
    reply = bot.sim.click(parent, user=user, action_id="governance-record")
    assert reply.status == 200
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [view_id] = set(bot.fake.views) - before
    done = bot.sim.submit(bot.fake.views[view_id], user=user, values=values)
    assert done.json["response_action"] == "update", done.json


def test_a_workflow_registered_mid_week_gets_a_thread_from_review(bot, frozen_clock):
    staffed(bot, frozen_clock, at=THURSDAY)
    note = open_threads(bot)
    assert note.startswith("opened 0 thread(s)")
    assert (
        f"{SUPPORT} was registered after this week's opening (Mon 09:00); its first weekly "
        f"thread opens Mon 30 Nov; `/cadence review {SUPPORT}` opens one now." in note
    )

    refused = said(run(bot, "/cadence", f"review {SUPPORT}", user=EVE))
    assert "can be opened by its owners" in refused and f"<@{MARIA}>" in refused
    assert sessions(bot) == []

    answer = said(
        run(bot, "/cadence", f"review {SUPPORT}: vote tomorrow on going live", user=MARIA)
    )
    assert f"Opened *Extra governance session #1* on *{SUPPORT}* in <#{GOV}>" in answer
    settle(bot, frozen_clock)
    [parent] = extra_parents(bot)
    shown = all_text(parent)
    assert f"Extra governance session #1: {SUPPORT}" in shown
    assert f"*Opened on demand* by <@{MARIA}>, Thu 26 Nov 15:10: vote tomorrow on going live" in (
        shown
    )
    assert "Last decision:* _none recorded yet_" in shown
    assert [b["text"] for b in buttons(parent["blocks"])][:4] == [
        "Continue as planned",
        "Stabilize before scaling",
        "Pause for risk remediation",
        "Stop and redesign",
    ]
    vote = bot.sim.click(parent, user=SAM, action_id="governance-vote-stabilize")
    assert "Your vote" in bot.fake.wait_for_responses(key=vote.response_url)[0]["text"]

    frozen_clock.advance(hours=20)  # Friday 11:10: the team votes, Maria decides
    record(bot, parent, user=MARIA, values={"Decision": "continue", "Rationale": "Go live."})
    settle(bot, frozen_clock)
    assert "Decided: Continue as planned" in all_text(bot.fake.message(GOV, parent["ts"]))
    log = said(run(bot, "/cadence", f"decisions {SUPPORT}", user=EVE))
    assert "Week of 30 Nov 2026 · Extra governance session #1: Continue as planned" in log

    # The weekly rhythm is untouched: Monday's weekly thread opens, numbered 0, and its
    # decision latency counts the extra session's decision (20 h).
    frozen_clock.current = NEXT_MONDAY_9
    assert open_threads(bot).startswith("opened 2 thread(s)")  # Support and Onboarding
    settle(bot, frozen_clock)
    with bot.session() as db:
        stored = db.exec(
            select(GovernanceSession)
            .where(GovernanceSession.channel_id == GOV)
            .order_by(GovernanceSession.id)
        ).all()
    assert [(s.kind, s.number, s.week_start) for s in stored] == [
        ("extra", 1, date(2026, 11, 30)),
        ("weekly", 0, date(2026, 11, 30)),
    ]
    weekly = bot.fake.messages(GOV)[-1]
    assert "Weekly governance: Support resolution — week of 30 Nov" in all_text(weekly)
    assert "*Decision latency*: 20 h median over 1 decision" in all_text(weekly)
    assert "Last week's decision:* Continue as planned" in all_text(weekly)
    with bot.session() as db:
        opened = db.exec(select(AuditEvent).where(AuditEvent.action == "governance.opened")).all()
    assert [(e.actor, e.detail["kind"]) for e in opened] == [
        (MARIA, "extra"),
        ("cadence", "weekly"),
        ("cadence", "weekly"),
    ]


def test_a_second_review_is_another_session_and_a_retried_request_opens_one(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    frozen_clock.advance(hours=2)

    first = bot.sim.command("/cadence", f"review {SUPPORT}: second cadence", user=LI)
    assert first.status == 200
    assert (
        "Opened *Extra governance session #1*"
        in (bot.fake.wait_for_responses(key=first.response_url)[0]["text"])
    )
    # Typed twice in a row (a new request, same words): the session just opened.
    twice = said(run(bot, "/cadence", f"review {SUPPORT}: second cadence", user=LI))
    assert "already open" in twice
    # Minutes later the first request comes again byte for byte (a retry), twice at once:
    # its own key finds the session it opened.
    frozen_clock.advance(minutes=5)
    retries = [threading.Thread(target=bot.sim.resend, args=(first,)) for _ in range(2)]
    for thread in retries:
        thread.start()
    for thread in retries:
        thread.join()
    answers = bot.fake.wait_for_responses(3, key=first.response_url)
    assert all("already open" in a["text"] for a in answers[1:])
    assert [(s.kind, s.number) for s in sessions(bot)] == [
        ("weekly", 0),
        ("weekly", 0),
        ("extra", 1),
    ]

    frozen_clock.advance(hours=3)  # later the same week, another review is another session
    again = said(run(bot, "/cadence", f"review {SUPPORT}: second cadence", user=LI))
    assert "Opened *Extra governance session #2*" in again
    council = said(run(bot, "/cadence", f"review {SUPPORT}", user=DANA))
    assert "Opened *Extra governance session #3*" in council
    settle(bot, frozen_clock)
    assert [m["text"].split(":")[0] for m in extra_parents(bot)] == [
        "Extra governance session #1",
        "Extra governance session #2",
        "Extra governance session #3",
    ]
    third = extra_parents(bot)[-1]
    assert f"by <@{DANA}>, Mon 23 Nov 14:05 (no reason given)" in all_text(third)
    # Each extra session has its own votes and decision; the weekly thread keeps its own.
    click = bot.sim.click(third, user=EVE, action_id="governance-vote-pause")
    bot.fake.wait_for_responses(key=click.response_url)
    record(bot, third, user=MARIA, values={"Decision": "continue", "Rationale": "Fine."})
    with bot.session() as db:
        decided = {d.session_id for d in db.exec(select(Decision)).all()}
    assert decided == {sessions(bot)[-1].id}
    assert all(s.status == "open" for s in sessions(bot)[:-1])


def test_reviews_of_an_unknown_workflow_or_without_a_name_are_explained(bot, frozen_clock):
    staffed(bot, frozen_clock)
    assert "Say which workflow" in said(run(bot, "/cadence", "review", user=MARIA))
    assert "couldn't find a workflow" in said(run(bot, "/cadence", "review Nope: x", user=MARIA))
    assert "keep the reason to 500" in said(
        run(bot, "/cadence", f"review {SUPPORT}: {'x' * 501}", user=MARIA)
    )
    assert sessions(bot) == []


def test_the_job_says_when_the_weeks_threads_open(bot, frozen_clock):
    staffed(bot, frozen_clock)  # Friday 20 Nov; this week's opening was Monday 16 Nov
    frozen_clock.current = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    runtime = JobRuntime(bot.settings, bot.engine, bot.deliverer)
    outcome = run_job(JOBS["open-governance-threads"], runtime)
    assert outcome.startswith("opened 0 thread(s), 0 already open, 0 workspace(s) due")
    assert "Not due yet: this week's threads open Mon 23 Nov 09:00 (UTC) for 2 workflow(s)" in (
        outcome
    )


def test_an_undecided_extra_session_reminds_the_decision_owner_like_a_weekly_one(bot, frozen_clock):
    staffed(bot, frozen_clock, at=THURSDAY)
    run(bot, "/cadence", f"review {SUPPORT}: go-live vote", user=LI)
    settle(bot, frozen_clock)
    runtime = JobRuntime(bot.settings, bot.engine, bot.deliverer)

    def reminded(user: str) -> list[str]:
        return [m["text"] for m in bot.fake.dms(user) if "still open" in m["text"]]

    frozen_clock.advance(hours=47)
    run_job(JOBS["reminders"], runtime)
    settle(bot, frozen_clock)
    assert reminded(MARIA) == []
    frozen_clock.advance(hours=1)  # Saturday 15:10: quiet hours hold it until Monday 09:00
    run_job(JOBS["reminders"], runtime)
    frozen_clock.current = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    run_job(JOBS["reminders"], runtime)
    run_job(JOBS["reminders"], runtime)
    settle(bot, frozen_clock)
    [dm] = reminded(MARIA)
    assert f"The decision of Extra governance session #1 on *{SUPPORT}* is still open" in dm
    assert reminded(LI) == [], "the workflow owner does not record the decision"
