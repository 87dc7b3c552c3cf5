"""The AI council, the decision-rights modal, the escalation map, and who may change them."""

from __future__ import annotations

from sqlmodel import select

from storage.models import CouncilMember, DecisionRight
from tests import cast
from tests.cast import ADMIN, DANA, EVE, GENERAL, GOV, HELPER_BOT, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, channel_texts, outbox_keys, run, said

SUPPORT = "Support resolution"


def _staffed(bot):
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)


def _council(bot) -> list[str]:
    with bot.session() as db:
        query = select(CouncilMember).where(CouncilMember.removed_at.is_(None))
        rows = db.exec(query.order_by(CouncilMember.id)).all()
    return [r.user_id for r in rows]


def test_admin_bootstraps_the_council_then_members_manage_it(bot):
    assert "no members yet" in said(run(bot, "/cadence", "council list", user=EVE))
    refused = said(run(bot, "/cadence", f"council add <@{EVE}>", user=EVE))
    assert "only the AI council (no members yet) or a workspace admin" in refused
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    # A council member may now add others, several at once.
    answer = said(run(bot, "/cadence", f"council add <@{SAM}> <@{MARIA}>", user=DANA))
    assert "added to the AI council" in answer
    assert _council(bot) == [DANA, SAM, MARIA]
    assert "already on the AI council" in said(
        run(bot, "/cadence", f"council add <@{SAM}>", user=DANA)
    )
    assert "is a bot" in said(run(bot, "/cadence", f"council add <@{HELPER_BOT}>", user=DANA))
    run(bot, "/cadence", f"council remove <@{SAM}>", user=DANA)
    assert _council(bot) == [DANA, MARIA]
    listing = said(run(bot, "/cadence", "council list", user=EVE))
    assert f"<@{DANA}>" in listing and f"<@{SAM}>" not in listing
    assert audit_actions(bot) == [
        "council.member_added", "council.member_added", "council.member_added",
        "council.member_removed"]  # fmt: skip
    bot.fake.wait_for(lambda: bot.fake.dms(DANA))
    assert "added you to the AI council" in bot.fake.dms(DANA)[0]["text"]


def test_map_is_posted_in_the_channel_with_its_gaps(bot):
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    answer = run(bot, "/cadence", "map support resolution", user=EVE, channel=GENERAL)
    assert answer["response_type"] == "in_channel"
    text = said(answer)
    for point in ["Model change", "Policy exception", "Incident response", "Rollout gate",
                  "Budget", "Compliance", "Weekly governance decision"]:  # fmt: skip
        assert point in text
    assert "no workflow owner" in text
    assert "no AI council yet" in text
    assert "recommender unset" in text and "executor unset" in text
    assert "Always the AI council: sev-1 incident" in text
    assert "Approves: <@UMARIA> (Outcome owner)" in text
    # The map is visible to the channel: the fake shows it as a message there.
    assert any("Escalation map" in m.get("text", "") for m in bot.fake.messages(channel=GENERAL))


def test_map_calls_out_an_approver_who_left_the_workspace(bot):
    _staffed(bot)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    cast.add(bot.fake, MARIA, deleted=True)
    text = said(run(bot, "/cadence", f"map {SUPPORT}", user=EVE))
    assert f"outcome owner <@{MARIA}> has left the workspace" in text
    assert f"approver <@{MARIA}> has left the workspace" in text


def test_rights_modal_edits_the_map(bot):
    _staffed(bot)
    run(bot, "/owner", f'stage "Exception handling" <@{SAM}> {SUPPORT}', user=ADMIN)
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    reply = bot.sim.command("/cadence", "rights support resolution", user=MARIA)
    assert reply.status == 200
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    assert view["callback_id"] == "rights-modal"
    submitted = bot.sim.submit(
        view,
        user=MARIA,
        values={
            "rights:budget:approves": "council",
            "rights:incident_response:executes": "stage:Exception handling",
            "rights:compliance:approves": "Nobody (unset)",
            "rights:model_change:informed": ["council", "outcome_owner"],
        },
    )
    assert submitted.status == 200 and submitted.json["response_action"] == "update"
    assert "Saved 4 change(s)" in said({"blocks": submitted.json["view"]["blocks"]})
    with bot.session() as db:
        stored = {(r.decision_point, r.duty): r.parties for r in db.exec(select(DecisionRight))}
    assert stored == {
        ("budget", "approves"): ["council"],
        ("incident_response", "executes"): ["stage:Exception handling"],
        ("compliance", "approves"): [],
        ("model_change", "informed"): ["council", "outcome_owner"],
    }
    assert audit_actions(bot)[-1] == "rights.updated"
    bot.fake.wait_for(lambda: any("updated the decision rights" in t
                                  for t in channel_texts(bot, GOV)))  # fmt: skip
    text = said(run(bot, "/cadence", f"map {SUPPORT}", user=EVE))
    assert f"Approves: <@{DANA}> (AI council)" in text
    assert f"Executes: <@{SAM}> (Stage owner (Exception handling))" in text
    assert "approver unset" in text
    # Opening the editor again shows the saved map preselected.
    bot.sim.command("/cadence", f"rights {SUPPORT}", user=MARIA)
    bot.fake.wait_for("views.open", count=2)
    again = [v for v in bot.fake.views.values() if v.get("callback_id") == "rights-modal"][-1]
    budget = next(b for b in again["blocks"] if b.get("block_id") == "rights:budget:approves")
    assert budget["element"]["initial_option"]["value"] == "council"


def test_unauthorized_people_are_refused_and_nothing_changes(bot):
    _staffed(bot)
    run(bot, "/cadence", "workflow add Onboarding", user=ADMIN)
    before_audit, before_outbox = audit_actions(bot), outbox_keys(bot)
    refusals = [
        ("/owner", f"outcome <@{EVE}> {SUPPORT}", EVE),
        ("/cadence", f"workflow rename {SUPPORT} to Mine", EVE),
        ("/cadence", f"workflow archive {SUPPORT}", LI),  # the workflow owner is not enough
        ("/cadence", f"council add <@{EVE}>", MARIA),  # outcome owners don't manage the council
        ("/owner", f"workflow <@{EVE}> Onboarding", MARIA),  # not Maria's workflow
        ("/cadence", f"rights {SUPPORT}", EVE),
    ]
    for command, text, user in refusals:
        answer = run(bot, command, text, user=user)
        assert answer["response_type"] == "ephemeral"
        assert "can't change" in said(answer) or "only" in said(answer), (text, said(answer))
    refusal = said(run(bot, "/owner", f"outcome <@{EVE}> {SUPPORT}", user=EVE))
    assert f"the outcome owner of *{SUPPORT}* (<@{MARIA}>)" in refusal
    assert audit_actions(bot) == before_audit and outbox_keys(bot) == before_outbox
    assert not bot.fake.calls_to("views.open")
    # Maria, the outcome owner, may change her own workflow's map.
    assert "is now the workflow owner" in said(
        run(bot, "/owner", f"workflow <@{SAM}> {SUPPORT}", user=MARIA)
    )


def test_rights_submission_rechecks_authority(bot):
    _staffed(bot)
    bot.sim.command("/cadence", f"rights {SUPPORT}", user=MARIA)
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    # Maria loses the outcome role while the modal is open.
    run(bot, "/owner", f"outcome <@{DANA}> {SUPPORT}", user=ADMIN)
    refused = bot.sim.submit(view, user=MARIA, values={"rights:budget:approves": "council"})
    assert refused.json["response_action"] == "errors"
    assert "can't change that" in next(iter(refused.json["errors"].values()))
    with bot.session() as db:
        assert db.exec(select(DecisionRight)).all() == []
