"""Risk tiers that mean something: a tier change is a council matter; the tier's guardrails."""

from __future__ import annotations

from sqlmodel import select

from slackfake.forms import all_text, buttons
from storage.models import Decision, Escalation, RiskTierRequest, Workflow
from tests.cast import ADMIN, DANA, EVE, GOV, LI, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_escalate import SUPPORT, escalate, owner_dm
from tests.e2e.test_escalation_lifecycle import answer, notice, opened_view, resolve, wait_labels
from tests.e2e.test_governance import MONDAY_9, open_threads, parents, settle


def staffed(bot, *, risk: str) -> None:
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|gov> risk {risk}", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)


def tier(bot) -> str:
    with bot.session() as db:
        return db.exec(select(Workflow.risk_tier)).one()


def council_note(bot, number: int) -> dict:
    """The note council member Dana got about escalation #number."""
    bot.fake.wait_for(
        lambda: any(
            f"#{number} " in m["text"] for m in bot.fake.dms(DANA) if "council" in m["text"]
        )
    )
    return next(m for m in bot.fake.dms(DANA) if m["text"].startswith("For the AI council"))


def test_a_risk_tier_request_changes_nothing_until_a_council_member_approves(bot):
    staffed(bot, risk="medium")
    shown = said(run(bot, "/cadence", f"risk {SUPPORT}", user=EVE))
    assert f"*{SUPPORT}* is medium risk. Guardrails: no extra guardrails." in shown

    asked = said(run(bot, "/cadence", f"risk {SUPPORT} high: it now issues refunds", user=EVE))
    assert "Asked the AI council to change" in asked and "escalation #1" in asked
    assert "Nothing changes until a council member approves it" in asked
    assert tier(bot) == "medium"
    again = said(run(bot, "/cadence", f"risk {SUPPORT} low: quieter now", user=LI))
    assert "already waiting for the council (escalation #1)" in again
    with bot.session() as db:
        esc = db.get(Escalation, 1)
    assert (esc.council_matter, esc.needs_council) == ("risk_tier_change", True)
    assert esc.summary == "Risk tier change: medium → high"

    # The owner it is routed to gets no way to decide it; the council does.
    maria = owner_dm(bot, MARIA, 1)
    wait_labels(bot, maria, ["Acknowledge", "Hand off"])
    dana = owner_dm(bot, DANA, 1)
    wait_labels(bot, dana, ["Acknowledge", "Approve: medium → high", "Reject", "Hand off"])
    posted = notice(bot, 1)
    refused = answer(bot, bot.sim.click(posted, user=MARIA, text="Approve: medium → high"))
    assert "only a member of the AI council can decide" in refused
    assert tier(bot) == "medium"

    approved = answer(bot, bot.sim.click(dana, user=DANA, text="Approve: medium → high"))
    assert f"Approved: *{SUPPORT}* is now high risk" in approved
    assert tier(bot) == "high"
    twice = answer(bot, bot.sim.click(dana, user=DANA, text="Approve: medium → high", latest=False))
    assert "already approved" in twice
    with bot.session() as db:
        esc = db.get(Escalation, 1)
        request = db.exec(select(RiskTierRequest)).one()
    assert esc.status == "resolved" and esc.resolution.startswith("Approved by the AI council")
    assert (request.status, request.decided_by) == ("approved", DANA)
    bot.fake.wait_for(
        lambda: any("approved the risk tier change" in m["text"] for m in bot.fake.messages(GOV))
    )
    actions = audit_actions(bot)
    assert actions.count("risk.tier_change_refused") == 1
    assert actions.count("risk.tier_change_approved") == 1

    # Lowering is the same; rejected, the tier stays.
    run(bot, "/cadence", f"risk {SUPPORT} low: quieter now", user=LI)
    second = owner_dm(bot, DANA, 2)
    wait_labels(bot, second, ["Acknowledge", "Approve: high → low", "Reject", "Hand off"])
    assert "Rejected" in answer(bot, bot.sim.click(second, user=DANA, text="Reject"))
    assert tier(bot) == "high"
    run(bot, "/cadence", f"map {SUPPORT}", user=EVE)
    shown = all_text(bot.fake.messages()[-1])
    assert "*Risk tier: high.* Guardrails: the AI council is informed of every governance" in shown


def test_high_risk_escalations_reach_the_council_and_a_model_change_needs_its_review(bot):
    staffed(bot, risk="high")
    esc = escalate(bot, kind="Model change", summary="swap the intent model")
    note = council_note(bot, esc.id)
    assert "For the AI council* (high-risk workflow)" in all_text(note)
    assert [b["text"] for b in buttons(note["blocks"])] == ["Reviewed"]
    owner = owner_dm(bot, MARIA, esc.id)
    assert "a council member reviews it (*Reviewed*, with a note) before" in all_text(owner)

    views = len(bot.fake.calls_to("views.open"))
    held = answer(bot, bot.sim.click(owner, user=MARIA, text="Resolve"))
    assert "resolved only after a council review" in held
    assert len(bot.fake.calls_to("views.open")) == views  # no form opened
    assert answer(bot, bot.sim.click(note, user=EVE, text="Reviewed")).startswith("Sorry")

    bot.sim.click(note, user=DANA, text="Reviewed")
    done = bot.sim.submit(opened_view(bot, views), user=DANA,
                          values={"escalation-note": "Checked the eval report."})  # fmt: skip
    assert done.json["response_action"] == "update"
    bot.fake.wait_for(
        lambda: any("You can resolve it now" in m["text"] for m in bot.fake.dms(MARIA))
    )
    bot.fake.wait_for(
        lambda: buttons(bot.fake.message(note["channel"], note["ts"])["blocks"]) == []
    )
    reply = resolve(bot, owner, user=MARIA, note="Rolled out behind a flag.")
    assert reply.json["response_action"] == "update", reply.json
    with bot.session() as db:
        stored = db.get(Escalation, esc.id)
    assert (stored.council_reviewed_by, stored.status) == (DANA, "resolved")
    assert "escalation.council_reviewed" in audit_actions(bot)

    # Any other kind on a high-risk workflow: the council is told, no review needed.
    other = escalate(bot, kind="Policy exception", summary="a refund over the limit")
    bot.fake.wait_for(
        lambda: sum(m["text"].startswith("For the AI council") for m in bot.fake.dms(DANA)) == 2
    )
    latest = [m for m in bot.fake.dms(DANA) if f"#{other.id} " in m["text"]][-1]
    assert buttons(latest["blocks"]) == []


def test_the_council_is_told_of_every_decision_on_a_high_risk_workflow(bot, frozen_clock):
    frozen_clock.current = MONDAY_9.replace(day=20)
    staffed(bot, risk="high")
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    assert "Skip this week" not in [b["text"] for b in buttons(parent["blocks"])]
    before = len(bot.fake.calls_to("views.open"))
    bot.sim.click(parent, user=MARIA, action_id="governance-record")
    view = opened_view(bot, before)
    bot.sim.submit(view, user=MARIA, values={"Decision": "continue", "Rationale": "On track."})
    settle(bot, frozen_clock)
    [told] = [m for m in bot.fake.dms(DANA) if "high-risk workflow" in m["text"]]
    assert "Decision: Continue as planned" in told["text"] and "On track." in told["text"]


def test_the_outcome_owner_of_a_low_risk_workflow_may_skip_a_week_with_a_reason(bot, frozen_clock):
    frozen_clock.current = MONDAY_9.replace(day=20)
    staffed(bot, risk="low")
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    refused = answer(bot, bot.sim.click(parent, user=LI, text="Skip this week"))
    assert "only the outcome owner" in refused
    before = len(bot.fake.calls_to("views.open"))
    bot.sim.click(parent, user=MARIA, text="Skip this week")
    done = bot.sim.submit(opened_view(bot, before), user=MARIA,
                          values={"skip-reason": "Holiday week, volumes flat."})  # fmt: skip
    assert done.json["response_action"] == "update", done.json
    settle(bot, frozen_clock)
    with bot.session() as db:
        decision = db.exec(select(Decision)).one()
        status = db.exec(select(Workflow.status)).one()
    assert (decision.choice, decision.recorded_by, status) == ("skipped", MARIA, "active")
    decided = all_text(bot.fake.message(GOV, parent["ts"]))
    assert f"Decided: Skipped this week* — <@{MARIA}>" in decided
    assert "Holiday week, volumes flat." in decided
    log = said(run(bot, "/cadence", f"decisions {SUPPORT}", user=EVE))
    assert "Week of 23 Nov 2026: Skipped this week" in log
    assert "governance.skipped" in audit_actions(bot)
