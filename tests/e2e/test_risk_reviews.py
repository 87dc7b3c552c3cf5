"""Risk-review triggers end to end: set in a modal, shown, and one risk review per breach."""

from __future__ import annotations

from sqlmodel import select

from slackfake.forms import all_text
from storage.models import GovernanceSession, RiskBreach, RiskTrigger
from tests.cast import ADMIN, DANA, EVE, GOV, LI, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_governance import FRIDAY, MONDAY_9, SUPPORT, open_threads, settle

TRIGGERS = {
    "Exception rate: trigger when": "above",
    "Exception rate: threshold": "5",
    "Quality trend: trigger when": "below",
    "Quality trend: threshold": "90",
    "Rework volume: trigger when": "Up more than (% week on week)",
    "Rework volume: threshold": "30",
    "Decision latency: trigger when": "above",
    "Decision latency: threshold": "72",
}


def high_risk_workflow(bot, clock) -> None:
    clock.current = FRIDAY
    bot.deliverer.channel_pace = 0
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov> risk high", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)


def open_modal(bot, command: str, user: str) -> dict:
    before = set(bot.fake.views)
    assert bot.sim.command("/cadence", command, user=user).status == 200
    bot.fake.wait_for(lambda: set(bot.fake.views) - before)
    [new] = set(bot.fake.views) - before
    return bot.fake.views[new]


def report(bot, user: str, exception_rate: str) -> dict:
    view = open_modal(bot, f"scorecard {SUPPORT}", user)
    done = bot.sim.submit(
        view, user=user, values={"Exception rate (percent, 0-100)": exception_rate}
    )
    assert done.json["response_action"] == "update", done.json
    return done.json["view"]


def risk_reviews(bot) -> list[dict]:
    return [m for m in bot.fake.messages(GOV) if m["text"].startswith("Risk review")]


def told(bot, user: str) -> list[str]:
    return [m["text"] for m in bot.fake.dms(user) if "Risk review" in m["text"]]


def test_triggers_are_set_by_the_outcome_owner_in_a_modal_checked_and_shown(bot, frozen_clock):
    high_risk_workflow(bot, frozen_clock)
    refused = said(run(bot, "/cadence", f"triggers {SUPPORT}", user=LI))
    assert "Risk-review triggers:* _none set_" in refused
    assert f"set by its outcome owner (<@{MARIA}>)" in refused
    assert not bot.fake.calls_to("views.open")

    view = open_modal(bot, f"triggers {SUPPORT}", MARIA)
    bad = bot.sim.submit(
        view,
        user=MARIA,
        values={
            "Exception rate: trigger when": "above",
            "Quality trend: threshold": "90",
            "Rework volume: trigger when": "below",
            "Rework volume: threshold": "lots",
            "Decision latency: trigger when": "Up more than (% week on week)",
            "Decision latency: threshold": "0",
        },
    )
    assert bad.json["response_action"] == "errors"
    assert bad.json["errors"] == {
        "trigger-exception_rate-threshold": "Give a threshold, or set no trigger.",
        "trigger-quality-direction": "Pick a direction for this threshold, or clear it.",
        "trigger-rework_volume-threshold": "The threshold must be a number.",
        "trigger-decision_latency-threshold": "A rise is more than 0%.",
    }
    done = bot.sim.submit(view, user=MARIA, values=TRIGGERS)
    assert done.json["response_action"] == "update", done.json
    saved = all_text(done.json["view"])
    assert "• Exception rate above 5%" in saved
    assert "• Rework volume up more than 30% week on week" in saved
    with bot.session() as db:
        stored = {t.metric: (t.direction, t.threshold) for t in db.exec(select(RiskTrigger))}
    assert stored == {
        "exception_rate": ("above", 5),
        "quality": ("below", 90),
        "rework_volume": ("rise", 30),
        "decision_latency": ("above", 72),
    }
    assert audit_actions(bot).count("risk.trigger_set") == 4

    shown = said(run(bot, "/cadence", f"workflow show {SUPPORT}", user=EVE))
    expected = (
        "*Risk-review triggers:* Quality trend below 90% · Exception rate above 5% · Rework "
        "volume up more than 30% week on week · Decision latency above 72 h"
    )
    assert expected in shown, shown
    run(bot, "/cadence", f"map {SUPPORT}", user=EVE)
    assert expected in all_text(bot.fake.messages()[-1])

    # The council may change them too; clearing one removes it (audited).
    again = open_modal(bot, f"triggers {SUPPORT}", DANA)
    assert [b["element"].get("initial_value") for b in again["blocks"] if b["type"] == "input"][
        1::2
    ] == [None, "90", "5", "30", "72"]
    half = bot.sim.submit(again, user=DANA, values={"Quality trend: trigger when": "none"})
    assert half.json["errors"] == {
        "trigger-quality-direction": "Pick a direction for this threshold, or clear it."
    }
    cleared = bot.sim.submit(
        again,
        user=DANA,
        values={"Quality trend: trigger when": "none", "Quality trend: threshold": ""},
    )
    assert "Quality trend: no trigger" in all_text(cleared.json["view"])
    assert audit_actions(bot).count("risk.trigger_removed") == 1


def test_a_value_past_its_trigger_opens_one_risk_review_per_breach(bot, frozen_clock):
    high_risk_workflow(bot, frozen_clock)
    view = open_modal(bot, f"triggers {SUPPORT}", MARIA)
    bot.sim.submit(view, user=MARIA, values=TRIGGERS)
    frozen_clock.current = MONDAY_9
    open_threads(bot)

    confirmed = all_text(report(bot, LI, "7.2"))
    assert "Exception rate 7.2% &gt; 5%: a risk review is open in <#CGOV>" in confirmed
    settle(bot, frozen_clock)
    [review] = risk_reviews(bot)
    shown = all_text(review)
    assert f"Risk review: exception rate 7.2% > 5% — {SUPPORT}" in shown
    assert "*Risk review* by Cadence, Mon 23 Nov 09:00: Exception rate 7.2% crossed its" in shown
    assert "*Exception rate*: 7.2 %" in shown
    assert len(told(bot, LI)) == len(told(bot, MARIA)) == 1
    assert (
        len(told(bot, DANA)) == 1
        and "For the AI council (high-risk workflow)" in told(bot, DANA)[0]
    )
    vote = bot.sim.click(review, user=EVE, action_id="governance-vote-pause")
    assert "Your vote" in bot.fake.wait_for_responses(key=vote.response_url)[0]["text"]

    # Reported again, still past it: the same breach, no second review, nobody told twice.
    frozen_clock.advance(hours=1)
    assert "risk review" not in all_text(report(bot, LI, "7.5"))
    settle(bot, frozen_clock)
    assert len(risk_reviews(bot)) == 1 and len(told(bot, MARIA)) == 1

    # Back within the trigger: the breach ends, said in the review's thread.
    report(bot, LI, "4.1")
    settle(bot, frozen_clock)
    [note] = bot.fake.replies(GOV, review["ts"])
    assert "Exception rate is back within the trigger at 4.1%: this breach is over" in note["text"]

    # Crossing again is a new breach: a new risk review, told again.
    report(bot, LI, "6")
    settle(bot, frozen_clock)
    assert [all_text(m).splitlines()[0] for m in risk_reviews(bot)] == [
        f"Risk review: exception rate 7.2% > 5% — {SUPPORT}",
        f"Risk review: exception rate 6% > 5% — {SUPPORT}",
    ]
    assert len(told(bot, LI)) == len(told(bot, MARIA)) == len(told(bot, DANA)) == 2
    with bot.session() as db:
        breaches = db.exec(select(RiskBreach).order_by(RiskBreach.id)).all()
        kinds = [
            (s.kind, s.number)
            for s in db.exec(select(GovernanceSession).order_by(GovernanceSession.id))
        ]
    assert [(b.value, b.ended_value is not None) for b in breaches] == [(7.2, True), (6, False)]
    assert kinds == [("weekly", 0), ("risk_review", 1), ("risk_review", 2)]
    actions = audit_actions(bot)
    assert actions.count("risk.breach_started") == 2 and actions.count("risk.breach_ended") == 1
