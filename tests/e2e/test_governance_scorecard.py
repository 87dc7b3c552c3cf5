"""The scorecard modal (validation, prefill, the thread's refresh) and /cadence settings."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from slackfake.forms import all_text
from storage.models import Escalation, ScorecardEntry, Workflow, WorkspaceSettings
from tests.cast import ADMIN, DANA, EVE, LI, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_governance import (
    MONDAY_9,
    SUPPORT,
    open_threads,
    parents,
    sessions,
    settle,
    staffed,
)

VALUES = {
    "Throughput (items/week)": "1,240",
    "Quality trend (percent, 0-100)": "96.5",
    "Exception rate (percent, 0-100)": "4 %",
    "Rework volume (items)": "",
}


def scorecard_view(bot, user: str) -> dict:
    before = set(bot.fake.views)
    assert bot.sim.command("/cadence", f"scorecard {SUPPORT}", user=user).status == 200
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [new] = set(bot.fake.views) - before
    return bot.fake.views[new]


def entries(bot) -> dict[str, float]:
    with bot.session() as db:
        return {e.metric: e.value for e in db.exec(select(ScorecardEntry)).all()}


def test_scorecard_is_validated_saved_prefilled_and_shown_in_the_thread(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    view = scorecard_view(bot, LI)
    assert "week of 23 Nov 2026" in all_text(view)
    bad = bot.sim.submit(
        view,
        user=LI,
        values={
            "Throughput (items/week)": "lots",
            "Quality trend (percent, 0-100)": "140",
            "Exception rate (percent, 0-100)": "-3",
            "Rework volume (items)": "2.5",
        },
    )
    assert bad.json["response_action"] == "errors"
    assert set(bad.json["errors"]) == {
        "scorecard-throughput",
        "scorecard-quality",
        "scorecard-exception_rate",
        "scorecard-rework_volume",
    }
    assert "must be a number" in bad.json["errors"]["scorecard-throughput"]
    assert "0 to 100" in bad.json["errors"]["scorecard-quality"]
    assert entries(bot) == {}
    saved = bot.sim.submit(view, user=LI, values=VALUES)
    assert saved.json["response_action"] == "update"
    assert entries(bot) == {"throughput": 1240, "quality": 96.5, "exception_rate": 4}
    assert audit_actions(bot).count("scorecard.reported") == 1
    again = scorecard_view(bot, MARIA)
    prefilled = {
        b["block_id"]: b["element"].get("initial_value")
        for b in again["blocks"]
        if b["type"] == "input"
    }
    assert prefilled == {
        "scorecard-throughput": "1240",
        "scorecard-quality": "96.5",
        "scorecard-exception_rate": "4",
        "scorecard-rework_volume": None,
    }
    settle(bot, frozen_clock)
    shown = all_text(bot.fake.message(parents(bot)[0]["channel"], parents(bot)[0]["ts"]))
    assert "*Throughput*: 1,240 items/week (nothing to compare with last week)" in shown
    assert "*Quality trend*: 96.5 %" in shown and "*Rework volume*: _not reported_" in shown


def test_the_thread_button_opens_the_same_modal_and_others_are_refused(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    refused = bot.sim.click(parent, user=EVE, action_id="scorecard-open")
    answer = bot.fake.wait_for_responses(key=refused.response_url)[0]["text"]
    assert "is reported by the workflow owner" in answer and f"<@{LI}>" in answer
    read_only = said(run(bot, "/cadence", f"scorecard {SUPPORT}", user=EVE))
    assert "Throughput" in read_only and "is reported by" in read_only
    assert not bot.fake.calls_to("views.open")
    bot.sim.click(parent, user=LI, action_id="scorecard-open")
    [call] = bot.fake.wait_for("views.open")
    assert call.params["view"]["callback_id"] == "scorecard-modal"


def test_changes_since_last_week_and_the_computed_decision_latency(bot, frozen_clock):
    staffed(bot, frozen_clock, at=datetime(2026, 11, 13, 10, 0, tzinfo=UTC))
    frozen_clock.current = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
    open_threads(bot)
    settle(bot, frozen_clock)
    bot.sim.submit(
        scorecard_view(bot, LI),
        user=LI,
        values={"Throughput (items/week)": "1000", "Quality trend (percent, 0-100)": "97"},
    )
    with bot.session() as db:
        workflow = db.exec(select(Workflow).where(Workflow.name == SUPPORT)).one()
        for hours in (2, 6):  # escalations resolved during the week before the next opening
            db.add(
                Escalation(
                    team_id="T0001",
                    workflow_id=workflow.id,
                    decision_point="budget",
                    summary="x",
                    raised_by=EVE,
                    idempotency_key=f"k{hours}",
                    status="resolved",
                    resolved_at=datetime(2026, 11, 18, tzinfo=UTC),
                    resolve_latency_seconds=hours * 3600,
                )
            )
        db.commit()
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    bot.sim.submit(
        scorecard_view(bot, LI),
        user=LI,
        values={"Throughput (items/week)": "1100", "Quality trend (percent, 0-100)": "95.5"},
    )
    settle(bot, frozen_clock)
    shown = all_text(bot.fake.message(parents(bot)[-1]["channel"], parents(bot)[-1]["ts"]))
    assert "*Throughput*: 1,100 items/week (▲ +100 since last week)" in shown
    assert "*Quality trend*: 95.5 % (▼ -1.5 pts since last week)" in shown
    assert "*Decision latency*: 4 h median over 2 decisions" in shown


def test_settings_are_for_the_council_and_move_the_schedule(bot, frozen_clock):
    staffed(bot, frozen_clock)
    shown = said(run(bot, "/cadence", "settings", user=EVE))
    assert "every *Monday 09:00 (UTC)*" in shown and "Next: Mon 23 Nov 09:00" in shown
    refused = said(run(bot, "/cadence", "settings Tuesday 10:00", user=EVE))
    assert "only the AI council (no members yet) or a workspace admin" in refused
    assert "don't know *Narnia/Capital*" in said(
        run(bot, "/cadence", "settings Narnia/Capital", user=ADMIN)
    )
    assert "not a time of day" in said(run(bot, "/cadence", "settings 25:00", user=ADMIN))
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    changed = said(run(bot, "/cadence", "settings wed 14:30 Europe/Paris", user=DANA))
    assert "now open every *Wednesday 14:30 (Europe/Paris)*" in changed
    assert "Next: Wed 25 Nov 14:30" in changed and "Was Monday 09:00 (UTC)" in changed
    with bot.session() as db:
        row = db.get(WorkspaceSettings, "T0001")
    assert (
        row.timezone,
        row.governance_weekday,
        row.governance_hour,
        row.governance_minute,
        row.updated_by,
    ) == ("Europe/Paris", 2, 14, 30, DANA)
    assert audit_actions(bot).count("settings.updated") == 1
    frozen_clock.current = MONDAY_9
    assert open_threads(bot).startswith("opened 0")
    frozen_clock.current = datetime(2026, 11, 25, 13, 30, tzinfo=UTC)
    assert open_threads(bot).startswith("opened 2")
    assert {s.week_start for s in sessions(bot)} == {date(2026, 11, 23)}


def test_each_placeholder_is_a_plausible_figure_for_its_measure(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    view = scorecard_view(bot, LI)
    shown = {
        b["label"]["text"]: b["element"]["placeholder"]["text"]
        for b in view["blocks"]
        if b["type"] == "input" and b["label"]["text"] in VALUES
    }
    assert set(shown) == set(VALUES)
    example = {label: float(text.removeprefix("e.g. ")) for label, text in shown.items()}
    throughput, quality = (
        example["Throughput (items/week)"],
        example["Quality trend (percent, 0-100)"],
    )
    exceptions, rework = (
        example["Exception rate (percent, 0-100)"],
        example["Rework volume (items)"],
    )
    assert quality >= 80  # a quality trend worth running
    assert 0 < exceptions <= 10  # exceptions are the few, not 95 %
    assert rework == int(rework) and 0 < rework < throughput / 10  # a little rework, in items
    assert throughput == int(throughput) and throughput > 100
