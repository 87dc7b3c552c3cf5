"""The 30-day accountability reset end to end, across 30 days of an injected clock: started on
a Wednesday, every item checked from what people really do, a late item, the Monday DMs, the
day-28 review and the summary, each once."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from sqlmodel import select, text

from bot.jobs import JOBS, JobRuntime, run_job
from bot.ratelimit import MethodLimiter
from slackfake.forms import all_text, buttons
from storage.models import AccountabilityReset, GovernanceSession, RightsConfirmation, Workflow
from tests.api.helpers import call, staffed_with_token
from tests.cast import ADMIN, DANA, EVE, GENERAL, GOV, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_escalate import escalate
from tests.e2e.test_escalation_lifecycle import notice
from tests.e2e.test_governance import SUPPORT, click, open_threads, parents, settle
from tests.e2e.test_governance_review import record
from tests.e2e.test_risk_reviews import TRIGGERS, open_modal

FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
SCORECARD = {
    "Throughput (items/week)": "1,240",
    "Quality trend (percent, 0-100)": "94",
    "Exception rate (percent, 0-100)": "4.1",
    "Rework volume (items)": "12",
}


def at(bot, clock, day: int, hour: int = 10, minute: int = 0, *, month: int = 12) -> None:
    """Move the clock to a day (of December unless said), run the jobs the scheduler would run
    then, and deliver what they queued."""
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


def test_a_reset_started_on_a_wednesday_is_checked_from_real_actions_for_30_days(bot, frozen_clock):
    frozen_clock.current = FRIDAY
    bot.deliverer.channel_pace = 0
    # A month of updates in seconds of real time: Slack's per-minute budget is tested elsewhere.
    bot.deliverer.limiter = MethodLimiter({})
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

    # Monday 30 Nov: the weekly thread opens and the outcome owner hears what is due.
    at(bot, frozen_clock, 30, 9, 0, month=11)
    at(bot, frozen_clock, 30, 9, 30, month=11)  # the job again (every minute): no second DM
    [week_1] = monday_dms(bot)
    assert "Week 1 of the 30-day reset of *Support resolution*" in week_1
    assert "due by the end of Tue 01 Dec" in week_1
    week_1_dm = all_text(bot.fake.dms(MARIA)[-1])
    # The channel's living canvas already shows the map: nothing is left for week 1.
    assert "Nothing left to do this week" in week_1_dm

    at(bot, frozen_clock, 1, 15)  # Tuesday 1 Dec: Li posts the map, for the council to confirm
    run(bot, "/cadence", f"map {SUPPORT}", user=LI, channel=GOV)
    [map_message] = [m for m in bot.fake.messages(GOV) if "Escalation map" in m["text"]]
    assert "not yet confirmed by the AI council" in all_text(map_message)
    assert "Confirm decision rights" in [b["text"] for b in buttons(map_message["blocks"])]
    at(bot, frozen_clock, 1, 15, 1)
    published = line(checklist(bot), "Escalation map published")
    assert published.startswith(":white_check_mark:")
    assert f"on the canvas of <#{GOV}> · Cadence, Wed 25 Nov" in published

    # Week 2: the scorecard's first complete week; the council confirms the rights.
    at(bot, frozen_clock, 2)
    view = open_modal(bot, f"scorecard {SUPPORT}", LI)
    assert bot.sim.submit(view, user=LI, values=SCORECARD).json["response_action"] == "update"
    refused = bot.sim.click(map_message, user=EVE, text="Confirm decision rights")
    assert (
        "only a member of the AI council"
        in (bot.fake.wait_for_responses(key=refused.response_url)[0]["text"])
    )
    confirmed = bot.sim.click(map_message, user=DANA, text="Confirm decision rights")
    assert (
        "You confirmed the decision rights"
        in (bot.fake.wait_for_responses(key=confirmed.response_url)[0]["text"])
    )
    at(bot, frozen_clock, 2, 10, 1)
    shown = checklist(bot)
    assert f"week of 30 Nov: all 4 reported measures · <@{LI}>, Wed 02 Dec 10:00" in line(
        shown, "Scorecard baselined"
    )
    assert f"unchanged since · <@{DANA}>, Wed 02 Dec 10:00" in line(
        shown, "confirmed by the council"
    )
    assert audit_actions(bot).count("rights.confirmed") == 1
    assert audit_actions(bot).count("rights.confirm_refused") == 1

    # Thursday 3 Dec: the first weekly decision, with a follow-up for Li due Friday 11 Dec.
    at(bot, frozen_clock, 3)
    first_thread = parents(bot)[0]
    record(bot, first_thread, user=MARIA, values={
        "Decision": "continue",
        "Rationale": "Resolution time is down; keep going.",
        "Follow-up 1: what": "Write the refund runbook",
        "Follow-up 1: owner": LI,
        "Follow-up 1: due date": "2026-12-11",
    })  # fmt: skip
    at(bot, frozen_clock, 3, 10, 1)
    assert "1 of 2 so far" in line(checklist(bot), "Two governance sessions")

    # Monday 7 Dec: week 2's DM says the triggers are due; nobody sets them this week.
    at(bot, frozen_clock, 7, 9, 0)
    assert len(monday_dms(bot)) == 2
    assert "Risk-review triggers defined" in all_text(bot.fake.dms(MARIA)[-1])
    # Wednesday 9 Dec, week 3: the triggers are late, then set: done late.
    at(bot, frozen_clock, 9, 0, 5)
    late = line(checklist(bot), "Risk-review triggers defined")
    assert late.startswith(":warning:") and "*late* (week 2 ended Tue 08 Dec)" in late
    assert f"<@{MARIA}>: `/cadence triggers {SUPPORT}`" in late
    at(bot, frozen_clock, 9, 10)
    view = open_modal(bot, f"triggers {SUPPORT}", MARIA)
    assert bot.sim.submit(view, user=MARIA, values=TRIGGERS).json["response_action"] == "update"
    second_thread = parents(bot)[1]
    record(bot, second_thread, user=MARIA, values={
        "Decision": "stabilize", "Rationale": "Exceptions need a closer look first.",
    })  # fmt: skip
    at(bot, frozen_clock, 9, 10, 1)
    shown = checklist(bot)
    triggers = line(shown, "Risk-review triggers defined")
    assert triggers.startswith(":ballot_box_with_check:") and "_(done late)_" in triggers
    assert "4 of 5 metrics: " in triggers and f"<@{MARIA}>, Wed 09 Dec 10:00" in triggers
    sessions = line(shown, "Two governance sessions")
    assert "2 decided: Continue as planned (Thu 03 Dec), Stabilize before scaling (Wed 09 Dec)" in (
        sessions
    )
    assert f"<@{MARIA}>, Wed 09 Dec 10:00" in sessions
    assert "2 decisions, 1 follow-up: 0 done, 1 on time" in line(shown, "followed through")

    # Thursday 10 Dec: Li's follow-up reminder comes, and Li marks it done from it.
    frozen_clock.current = datetime(2026, 12, 10, 10, 0, tzinfo=UTC)
    run_job(JOBS["reminders"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    settle(bot, frozen_clock)
    [reminder] = [m for m in bot.fake.dms(LI) if m["text"].startswith(":spiral_note_pad:")]
    assert "Write the refund runbook" in reminder["text"]
    assert bot.sim.click(reminder, user=LI, text="Done").status == 200
    bot.fake.wait_for(lambda: "Marked done" in all_text(bot.fake.message(
        reminder["channel"], reminder["ts"])["blocks"]))  # fmt: skip
    at(bot, frozen_clock, 10, 10, 5)
    assert "1 follow-up: 1 done, 0 on time" in line(checklist(bot), "followed through")

    # An ownership gap: Eve acts on an escalation she does not hold; Maria acknowledges it
    # with a note from /cadence gaps (Li, not the outcome owner, gets no button).
    esc = escalate(bot)
    board = notice(bot, esc.id)
    refused = bot.sim.click(board, user=EVE, text="Acknowledge")
    # The click is acked before its work commits; Eve is told after it has, so wait for that.
    bot.fake.wait_for_responses(key=refused.response_url)
    at(bot, frozen_clock, 10, 11)
    gaps = line(checklist(bot), "Ownership gaps closed")
    assert f"1 of 1 gaps open (escalation #{esc.id})" in gaps and "*Acknowledge* each" in gaps
    li_view = run(bot, "/cadence", "gaps", user=LI)
    assert not buttons(li_view.get("blocks") or [])
    run(bot, "/cadence", "gaps", user=MARIA)
    [listing] = [e for e in bot.fake.ephemerals(MARIA) if "Ownership gaps" in all_text(e)][-1:]
    before = set(bot.fake.views)
    bot.sim.click(listing, user=MARIA, text="Acknowledge with a note")
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [form] = [bot.fake.views[v] for v in set(bot.fake.views) - before]
    done = bot.sim.submit(
        form, user=MARIA, values={"How is the gap closed?": "Eve is not on the rota; told her."}
    )
    assert done.json["response_action"] == "update", done.json
    at(bot, frozen_clock, 10, 11, 1)
    gaps = line(checklist(bot), "Ownership gaps closed")
    assert f"1 closed (acknowledged) · <@{MARIA}>, Thu 10 Dec 11:00" in gaps
    again = said(run(bot, "/cadence", "gaps", user=MARIA))
    assert f"Acknowledged by <@{MARIA}>" in again and "Eve is not on the rota" in again

    # Mondays 14 and 21 Dec: weeks 3 and 4 are announced, once each however often it runs.
    at(bot, frozen_clock, 14, 9, 0)
    at(bot, frozen_clock, 14, 17, 0)
    view = open_modal(bot, f"scorecard {SUPPORT}", LI)  # the week of 14 Dec, for the trend
    bot.sim.submit(view, user=LI, values={**SCORECARD, "Throughput (items/week)": "1,400"})
    at(bot, frozen_clock, 21, 9, 0)
    at(bot, frozen_clock, 21, 9, 1)
    assert [t.split(" (")[0] for t in monday_dms(bot)] == [
        f":spiral_calendar_pad: Week {n} of the 30-day reset of *{SUPPORT}*" for n in (1, 2, 3, 4)
    ]
    status = said(run(bot, "/cadence", "reset status", user=EVE))
    assert "30-day resets running: 1" in status and "day *27* of 30 (week 4)" in status
    assert "9 of 12 done, 0 late" in status

    # Tuesday 22 Dec, day 28: the 30-day review opens by itself, once, with four weeks' trends.
    at(bot, frozen_clock, 22, 8, 59)
    assert not [m for m in bot.fake.messages(GOV) if m["text"].startswith("30-day review")]
    at(bot, frozen_clock, 22, 9, 0)
    at(bot, frozen_clock, 22, 9, 5)
    [review] = [m for m in bot.fake.messages(GOV) if m["text"].startswith("30-day review")]
    shown = all_text(review)
    assert f"30-day review — {SUPPORT}" in shown
    assert "*30-day review* by Cadence, Tue 22 Dec 09:00: Day 28 of the 30-day reset" in shown
    assert "Trends: the last 4 weeks, oldest first" in shown
    assert "`▁ █ ` 1,240 → 1,400 · ↗ rising" in shown  # weeks of 30 Nov, 7, 14 and 21 Dec
    with bot.session() as db:
        kinds = [s.kind for s in db.exec(select(GovernanceSession)).all()]
    assert kinds.count("reset_review") == 1
    assert "the 30-day review opens" not in checklist(bot)
    for user, choice in ((SAM, "continue"), (EVE, "continue"), (LI, "stabilize")):
        # Each voter's private answer comes after the vote commits, still at 09:05.
        assert (
            "Your vote"
            in click(bot, review, user=user, action_id=f"governance-vote-{choice}")["text"]
        )
    at(bot, frozen_clock, 22, 11)
    assert f"3 votes · <@{SAM}>, Tue 22 Dec 09:05" in line(checklist(bot), "Trend reviewed")

    # Wednesday 23 Dec: the verdict (scale) and the next focus.
    at(bot, frozen_clock, 23)
    record(bot, review, user=MARIA, values={
        "Decision": "continue", "Rationale": "Every item held for a month: scale it.",
    })  # fmt: skip
    refused = said(run(bot, "/cadence", "reset next Onboarding", user=EVE))
    assert "outcome owner (<@UMARIA>)" in refused
    assert "*Onboarding* is the next 30-day focus after *Support resolution*" in said(
        run(bot, "/cadence", "reset next Onboarding", user=MARIA)
    )
    at(bot, frozen_clock, 23, 10, 1)
    shown = checklist(bot)
    assert f"*scale*: Continue as planned · <@{MARIA}>, Wed 23 Dec 10:00" in shown
    assert f"*Onboarding* · <@{MARIA}>, Wed 23 Dec 10:00" in shown
    assert not summaries(bot, GOV) and not summaries(bot, "D" + DANA)

    # Friday 25 Dec, the reset is over: the summary, once, to the channel and the council.
    at(bot, frozen_clock, 24, 23, 59)
    assert not summaries(bot, GOV)
    at(bot, frozen_clock, 25, 0, 0)
    at(bot, frozen_clock, 25, 0, 1)
    at(bot, frozen_clock, 28, 9, 0)  # the Monday after: no fifth DM
    [summary] = summaries(bot, GOV)
    [council] = summaries(bot, "D" + DANA)
    assert (
        summary["text"]
        == council["text"]
        == (f"The 30-day reset of {SUPPORT} is over: 11 done, 1 late, 0 missed")
    )
    told = all_text(summary)
    assert "*Late (done after its week): 1*" in told and "Risk-review triggers defined" in told
    assert "*Missed: 0*" in told and "Next 30-day focus: *Onboarding*" in told
    assert len(monday_dms(bot)) == 4
    final = checklist(bot)
    assert "*finished* Thu 24 Dec: 11 done, 1 late, 0 missed" in final
    with bot.session() as db:
        [reset] = db.exec(select(AccountabilityReset)).all()
        assert db.exec(select(RightsConfirmation)).one().confirmed_by == DANA
    assert (reset.status, reset.ended_by) == ("finished", "cadence")
    assert reset.ended_at == datetime(2026, 12, 25, 0, 0, tzinfo=UTC)
    actions = audit_actions(bot)
    assert actions.count("reset.started") == 1 and actions.count("reset.finished") == 1
    assert actions.count("reset.weekly_dm") == 4 and actions.count("map.posted") == 1
    assert actions.count("gap.acknowledged") == 1 and actions.count("reset.next_set") == 1
    assert "No 30-day reset is running" in said(run(bot, "/cadence", "reset status", user=EVE))


def test_stopping_a_reset_early_takes_a_reason_and_posts_the_summary(bot, frozen_clock):
    frozen_clock.current = WEDNESDAY
    bot.deliverer.channel_pace = 0
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    run(bot, "/cadence", "council channel <#C0GENERAL|general>", user=ADMIN)
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    settle(bot, frozen_clock)

    frozen_clock.current = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    bare = said(run(bot, "/cadence", f"reset stop {SUPPORT}", user=MARIA))
    assert "Stopping a reset early takes a reason" in bare
    assert "No running reset matches" in said(
        run(bot, "/cadence", "reset stop Billing", user=MARIA)
    )
    assert "outcome owner" in said(run(bot, "/cadence", f"reset stop {SUPPORT}: no", user=EVE))
    stopped = said(run(bot, "/cadence", f"reset stop {SUPPORT}: the team moves to billing",
                       user=MARIA))  # fmt: skip
    assert "Stopped the 30-day reset of *Support resolution*" in stopped
    settle(bot, frozen_clock)
    reset_job(bot)  # the job finds nothing running: no second summary
    settle(bot, frozen_clock)
    [summary] = summaries(bot, GOV)
    [council] = summaries(bot, GENERAL)  # the council channel, not DMs
    assert summary["text"] == council["text"]
    assert summary["text"].startswith(f"The 30-day reset of {SUPPORT} stopped early: ")
    assert "the team moves to billing" in all_text(summary)
    assert "*stopped early* by <@UMARIA>, Thu 03 Dec 10:00" in checklist(bot)
    assert audit_actions(bot).count("reset.stopped") == 1


def test_typos_and_missing_words_get_a_pointer_not_a_missing_workflow(bot, frozen_clock):
    """`reset stauts`, `reset stpo …`, `reset start …` and a bare `reset stop` say what was
    probably meant; none starts or stops anything."""
    frozen_clock.current = WEDNESDAY
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)

    for typed in ("stauts", "status please"):  # status takes nothing after it
        typo = said(run(bot, "/cadence", f"reset {typed}", user=MARIA))
        assert "Did you mean `/cadence reset status`?" in typo
    stpo = said(run(bot, "/cadence", f"reset stpo {SUPPORT}: wrong focus", user=MARIA))
    assert f"Did you mean `/cadence reset stop {SUPPORT}: wrong focus`?" in stpo
    start = said(run(bot, "/cadence", f"reset start {SUPPORT}", user=MARIA))
    assert f"Did you mean `/cadence reset {SUPPORT}`?" in start
    bare = said(run(bot, "/cadence", "reset stop", user=MARIA))
    assert "Say which reset to stop and why: `/cadence reset stop Support resolution:" in bare
    assert "“”" not in bare
    with bot.session() as db:
        [reset] = db.exec(select(AccountabilityReset)).all()
    assert reset.status == "running" and reset.ended_at is None
    again = said(run(bot, "/cadence", f"reset next {SUPPORT}", user=MARIA))  # the same one
    assert f"*{SUPPORT}* stays the focus for the next 30 days, after this reset." in again
    assert "focus after" not in again
    assert audit_actions(bot).count("reset.started") == 1


def test_archiving_the_workflow_stops_its_reset(bot, frozen_clock):
    """A retired workflow's reset ends with the archive: no Monday DMs, no 30-day review, a
    summary once, and the workspace's one reset is free for the next focus."""
    frozen_clock.current = WEDNESDAY
    bot.deliverer.channel_pace = 0
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/cadence", f"workflow add Billing in <#{GOV}|gov>", user=ADMIN)
    for name in (SUPPORT, "Billing"):
        run(bot, "/owner", f"outcome <@{MARIA}> {name}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)

    archived = said(run(bot, "/cadence", f"workflow archive {SUPPORT}", user=ADMIN))
    assert "Its 30-day reset is stopped" in archived
    assert "30-day resets running: 0" in said(run(bot, "/cadence", "reset status", user=MARIA))
    for day in (30, 7, 24, 28):  # its Mondays, day 28 (the review) and past day 30
        at(bot, frozen_clock, day, month=11 if day == 30 else 12)
    assert monday_dms(bot) == []
    with bot.session() as db:
        sessions = db.exec(select(GovernanceSession)).all()
        [reset] = db.exec(select(AccountabilityReset)).all()
    assert all(s.workflow_id != reset.workflow_id for s in sessions)  # no 30-day review
    assert (reset.status, reset.end_reason) == ("stopped", "the workflow was archived")
    [summary] = summaries(bot, GOV)
    assert "stopped early" in summary["text"] and "the workflow was archived" in all_text(summary)
    assert audit_actions(bot).count("reset.stopped") == 1
    started = said(run(bot, "/cadence", "reset Billing", user=MARIA))  # no reason needed now
    assert "Started the 30-day accountability reset of *Billing*" in started


def test_the_reset_job_stops_a_reset_whose_workflow_was_archived_before(bot, frozen_clock):
    frozen_clock.current = WEDNESDAY
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    with bot.session() as db:  # archived while nothing stopped its reset (as before this rule)
        workflow = db.exec(select(Workflow)).one()
        workflow.archived_at = frozen_clock.current
        db.add(workflow)
        db.commit()
    at(bot, frozen_clock, 30, month=11)
    assert monday_dms(bot) == []
    with bot.session() as db:
        assert db.exec(select(AccountabilityReset)).one().status == "stopped"


def test_a_scorecard_from_the_api_is_credited_to_its_token_on_the_checklist(bot, frozen_clock):
    """The baseline reported by a data pipeline names its token, not "Cadence"."""
    frozen_clock.current = WEDNESDAY
    bot.deliverer.channel_pace = 0
    token = staffed_with_token(bot, "pipeline")
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    url = f"{bot.api_url}/workflows/{quote(SUPPORT)}/scorecard"
    body = {"throughput": 1240, "quality": 94, "exception_rate": 4.1, "rework_volume": 12}
    assert call(url, method="POST", token=token, body=body).status == 200
    at(bot, frozen_clock, 26, month=11)
    baselined = line(checklist(bot), "Scorecard baselined")
    assert ":white_check_mark:" in baselined and "the API token `pipeline`" in baselined
    assert "Cadence" not in baselined


def test_the_map_counts_as_published_where_the_channel_can_read_it(bot, frozen_clock):
    # Issue 13: "escalation map published (`/cadence map` posted, or the canvas)". Where Slack
    # refuses canvases, the map message Cadence keeps current in the channel stands in for it.
    bot.fake.refuse_canvases("team_tier_cannot_create_channel_canvases")
    frozen_clock.current = WEDNESDAY
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    settle(bot, frozen_clock)
    assert [m for m in bot.fake.messages(GOV) if "Escalation map" in m["text"]]
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    settle(bot, frozen_clock)
    published = line(checklist(bot), "Escalation map published")
    assert published.startswith(":white_check_mark:")
    assert f"kept current in <#{GOV}> (canvases are off) · Cadence, Wed 25 Nov" in published


def test_without_a_canvas_or_its_stand_in_the_map_must_be_posted(bot, frozen_clock):
    frozen_clock.current = WEDNESDAY
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    with bot.session() as db:  # no canvas yet (say, its create still waits for Slack)
        db.exec(text("DELETE FROM channel_canvas"))
        db.exec(text("DELETE FROM outbox_message WHERE idempotency_key LIKE 'canvas:%'"))
        db.commit()
    run(bot, "/cadence", f"reset {SUPPORT}", user=MARIA)
    settle(bot, frozen_clock)
    missing = line(checklist(bot), "Escalation map published")
    assert "the escalation map has not been posted since the reset started" in missing
    assert f"`/cadence map {SUPPORT}`" in missing
    run(bot, "/cadence", f"map {SUPPORT}", user=MARIA, channel=GOV)
    reset_job(bot)
    settle(bot, frozen_clock)
    published = line(checklist(bot), "Escalation map published")
    assert published.startswith(":white_check_mark:") and f"in <#{GOV}> · <@{MARIA}>" in published
