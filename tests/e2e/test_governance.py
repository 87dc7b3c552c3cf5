"""Weekly governance threads end to end: opening, votes, the live tally, recording the decision."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from cadence.vocabulary import SessionStatus
from slackfake.forms import all_text, buttons
from storage.models import ActionItem, Decision, GovernanceSession, Vote, Workflow
from tests.cast import ADMIN, DANA, EVE, GENERAL, GOV, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, pending_rows, run, said, wait_for_the_worker

SUPPORT = "Support resolution"
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def staffed(bot, clock, *, at: datetime = FRIDAY) -> None:
    """Two workflows registered before the week opens, owned by Maria (outcome) and Li."""
    clock.current = at
    bot.deliverer.channel_pace = 0  # pacing itself is tested in tests/cadence
    run(
        bot,
        "/cadence",
        f'workflow add {SUPPORT} in <#{GOV}|gov> outcome "resolve faster"',
        user=ADMIN,
    )
    run(bot, "/cadence", f"workflow add Onboarding in <#{GENERAL}|general>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)


def open_threads(bot) -> str:
    """Run the job as the scheduler (or `cadence-bot jobs run`) does."""
    runtime = JobRuntime(bot.settings, bot.engine, bot.deliverer)
    return run_job(JOBS["open-governance-threads"], runtime)


def settle(bot, clock) -> None:
    """Deliver everything queued; frozen time moves on past any deferral (pacing, references)."""
    for _ in range(40):
        pending = pending_rows(bot)
        if not pending:
            return
        clock.advance(seconds=3)
        bot.deliverer.deliver_due()
    wait_for_the_worker(bot)


def parents(bot, channel: str = GOV) -> list[dict]:
    """Governance thread parents posted in a channel."""
    return [
        m
        for m in bot.fake.messages(channel)
        if m["thread_ts"] is None and "Weekly governance" in m["text"]
    ]


def sessions(bot) -> list[GovernanceSession]:
    with bot.session() as db:
        return list(db.exec(select(GovernanceSession).order_by(GovernanceSession.id)).all())


def click(bot, message: dict, *, user: str, action_id: str) -> dict:
    """Click a button of the parent and return the private answer the clicker got."""
    reply = bot.sim.click(message, user=user, action_id=action_id)
    assert reply.status == 200 and reply.elapsed < 3, reply.body
    return bot.fake.wait_for_responses(key=reply.response_url)[0]


def test_the_job_opens_one_thread_per_active_workflow_once(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", "workflow add Retired flow", user=ADMIN)
    run(bot, "/cadence", "workflow archive Retired flow", user=ADMIN)
    frozen_clock.current = datetime(2026, 11, 23, 8, 59, tzinfo=UTC)
    assert open_threads(bot).startswith("opened 0")
    frozen_clock.current = MONDAY_9
    assert open_threads(bot).startswith("opened 2 thread(s)")
    settle(bot, frozen_clock)
    [parent] = parents(bot, GOV)
    assert len(parents(bot, GENERAL)) == 1
    shown = all_text(parent)
    assert f"Weekly governance: {SUPPORT} — week of 23 Nov" in shown
    assert "resolve faster" in shown and f"<@{MARIA}>" in shown and f"<@{LI}>" in shown
    assert "none recorded yet" in shown
    for label in (
        "Throughput",
        "Quality trend",
        "Exception rate",
        "Rework volume",
        "Decision latency",
    ):
        assert f"*{label}*: _not reported_" in shown
    assert "Open escalations: *0*" in shown and "Overdue actions: *0*" in shown
    assert [b["text"] for b in buttons(parent["blocks"])] == [
        "Continue as planned",
        "Stabilize before scaling",
        "Pause for risk remediation",
        "Stop and redesign",
        "Record decision",
        "Update scorecard",
    ]
    # Running again (the scheduler every minute, a restart, `jobs run`) adds nothing.
    assert open_threads(bot).startswith("opened 0 thread(s), 2 already open")
    frozen_clock.advance(hours=3)
    open_threads(bot)
    settle(bot, frozen_clock)
    assert len(parents(bot, GOV)) == 1 and len(sessions(bot)) == 2
    assert audit_actions(bot).count("governance.opened") == 2
    assert {s.week_start for s in sessions(bot)} == {date(2026, 11, 23)}


def test_a_workflow_added_after_the_opening_waits_for_next_week(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    frozen_clock.advance(hours=1)
    answer = said(run(bot, "/cadence", f"workflow add Claims in <#{GOV}|gov>", user=ADMIN))
    assert "First weekly governance thread: Mon 30 Nov 09:00" in answer
    assert open_threads(bot).startswith("opened 0")
    frozen_clock.current = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert open_threads(bot).startswith("opened 3")


def test_a_week_missed_while_down_is_opened_once_when_back(bot, frozen_clock):
    staffed(bot, frozen_clock, at=datetime(2026, 11, 13, 10, 0, tzinfo=UTC))
    # Down over Monday 16 and Monday 23; back on Wednesday 25.
    frozen_clock.current = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert open_threads(bot).startswith("opened 2")
    assert open_threads(bot).startswith("opened 0")
    assert {s.week_start for s in sessions(bot)} == {date(2026, 11, 23)}


def test_votes_are_private_changeable_and_the_tally_matches_the_database(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    votes = [(MARIA, "continue"), (SAM, "pause"), (EVE, "continue"), (DANA, "stabilize")]
    for user, choice in votes:
        answer = click(bot, parent, user=user, action_id=f"governance-vote-{choice}")
        assert "Your vote:" in answer["text"] and answer["response_type"] == "ephemeral"
    changed = click(bot, parent, user=EVE, action_id="governance-vote-pause")
    assert (
        "Vote changed from *Continue as planned* to *Pause for risk remediation*"
        in (changed["text"])
    )
    same = click(bot, parent, user=EVE, action_id="governance-vote-pause")
    assert "already voted" in same["text"]
    assert any("Your vote" in e["text"] for e in bot.fake.ephemerals(SAM))
    settle(bot, frozen_clock)
    with bot.session() as db:
        stored = {v.voter: v.choice for v in db.exec(select(Vote)).all()}
    assert stored == {MARIA: "continue", SAM: "pause", EVE: "pause", DANA: "stabilize"}
    last_update = bot.fake.calls_to("chat.update")[-1].params
    assert "Continue *1* · Stabilize *1* · Pause *2* · Stop & redesign *0* — 4 votes" in all_text(
        last_update
    )
    assert "Pause *2*" in all_text(bot.fake.message(GOV, parent["ts"]))
    assert audit_actions(bot).count("governance.voted") == 5


def test_only_the_approver_or_the_council_may_record_and_the_decision_follows_through(
    bot, frozen_clock
):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    for user in (SAM, EVE, DANA):
        click(bot, parent, user=user, action_id="governance-vote-pause")
    refused = click(bot, parent, user=LI, action_id="governance-record")
    assert "only the approver of the weekly governance decision" in refused["text"]
    assert f"<@{MARIA}>" in refused["text"] and not bot.fake.calls_to("views.open")

    frozen_clock.advance(hours=5, minutes=2)
    reply = bot.sim.click(parent, user=MARIA, action_id="governance-record")
    assert reply.status == 200
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    choice = next(b for b in view["blocks"] if b.get("block_id") == "decision-choice")
    assert choice["element"]["initial_option"]["value"] == "pause"  # the leading vote
    no_follow_up = bot.sim.submit(view, user=MARIA, values={"Rationale": "Refund errors."})
    assert no_follow_up.json["response_action"] == "errors"
    assert "at least one follow-up" in no_follow_up.json["errors"]["decision-action1-what"]
    half = bot.sim.submit(
        view,
        user=MARIA,
        values={"Rationale": "Refund errors.", "Follow-up 1: what": "Add a human check"},
    )
    assert "Pick who owns" in half.json["errors"]["decision-action1-owner"]
    no_date = bot.sim.submit(
        view,
        user=MARIA,
        values={
            "Rationale": "Refund errors.",
            "Follow-up 1: what": "Add a human check",
            "Follow-up 1: owner": SAM,
        },
    )
    assert "re-review date" in no_date.json["errors"]["decision-re-review"]
    complete = {
        "Rationale": "Refund errors doubled; <!channel> fix first.",
        "Follow-up 1: what": "Add a human check on refunds over $500",
        "Follow-up 1: owner": SAM,
        "Follow-up 1: due date": "2026-11-30",
        "Follow-up 2: what": "Retrain the intent model",
        "Follow-up 2: owner": LI,
        "Re-review date (pause and stop)": "2026-12-07",
    }
    done = bot.sim.submit(view, user=MARIA, values=complete)
    assert done.json["response_action"] == "update", done.json
    again = bot.sim.submit(view, user=MARIA, values=complete, latest=False)
    assert "already recorded" in all_text(again.json["view"])

    with bot.session() as db:
        workflow = db.exec(select(Workflow).where(Workflow.name == SUPPORT)).one()
        [decision] = db.exec(select(Decision)).all()
        actions = db.exec(select(ActionItem).order_by(ActionItem.id)).all()
    assert (workflow.status, workflow.re_review_on) == ("paused", date(2026, 12, 7))
    assert (decision.choice, decision.recorded_by) == ("pause", MARIA)
    assert decision.latency_seconds == 5 * 3600 + 2 * 60
    assert [(a.owner_id, a.due_on) for a in actions] == [(SAM, date(2026, 11, 30)), (LI, None)]
    assert audit_actions(bot).count("governance.decided") == 1

    settle(bot, frozen_clock)
    [post] = bot.fake.replies(GOV, parent["ts"])
    assert "Decision: Pause for risk remediation" in post["text"]
    assert "&lt;!channel&gt;" in post["text"] and "<!channel>" not in post["text"]
    decided = bot.fake.message(GOV, parent["ts"])
    assert f"Decided: Pause for risk remediation* — <@{MARIA}>, Mon 14:02" in all_text(decided)
    assert buttons(decided["blocks"]) == []
    assert any("Add a human check" in m["text"] for m in bot.fake.dms(SAM))
    assert any("Retrain the intent model" in m["text"] for m in bot.fake.dms(LI))

    late = bot.sim.click(parent, user=EVE, action_id="governance-vote-continue", latest=False)
    assert "already recorded" in bot.fake.wait_for_responses(key=late.response_url)[0]["text"]
    with bot.session() as db:
        assert db.exec(select(Vote).where(Vote.voter == EVE)).one().choice == "pause"

    log = said(run(bot, "/cadence", f"decisions {SUPPORT}", user=EVE))
    assert "Week of 23 Nov 2026: Pause for risk remediation" in log
    assert "Refund errors doubled" in log and "Add a human check on refunds over $500" in log
    assert "Re-review on Mon 07 Dec 2026" in log


def test_the_council_may_record_and_next_week_shows_last_weeks_decision(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    bot.sim.click(parent, user=DANA, action_id="governance-record")
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    done = bot.sim.submit(
        view, user=DANA, values={"Decision": "stabilize", "Rationale": "Quality dipped."}
    )
    assert done.json["response_action"] == "update"
    frozen_clock.current = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    open_threads(bot)
    settle(bot, frozen_clock)
    latest = parents(bot)[-1]
    assert "Last week's decision:* Stabilize before scaling" in all_text(latest)
    assert "Status: *stabilizing*" in all_text(latest)
    assert SessionStatus.OPEN in {s.status for s in sessions(bot)}


def test_a_month_old_decision_is_labelled_with_its_week_not_as_last_weeks(bot, frozen_clock):
    staffed(bot, frozen_clock)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    bot.sim.click(parents(bot)[0], user=DANA, action_id="governance-record")
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    bot.sim.submit(view, user=DANA, values={"Decision": "stabilize", "Rationale": "Dipped."})
    for weeks in range(1, 5):  # four more Mondays pass with no decision recorded
        frozen_clock.current = MONDAY_9 + timedelta(weeks=weeks)
        open_threads(bot)
        settle(bot, frozen_clock)
    support = [p for p in parents(bot) if SUPPORT in all_text(p)]
    first_next, latest = all_text(support[1]), all_text(support[-1])
    assert "Last week's decision:* Stabilize before scaling" in first_next
    assert "Last decision (week of 23 Nov):* Stabilize before scaling" in latest
    assert "Last week's decision" not in latest
