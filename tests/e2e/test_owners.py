"""/owner by command and by modal: assignments, history, DMs, notices, bad input."""

from __future__ import annotations

from sqlmodel import select

from storage.models import OwnerAssignment
from tests.cast import ADMIN, DANA, EVE, GONE, GOV, HELPER_BOT, LI, MARIA, SAM
from tests.e2e.helpers import audit_actions, channel_texts, outbox_keys, run, said

SUPPORT = "Support resolution"


def _with_workflow(bot):
    run(bot, "/cadence", f"workflow add {SUPPORT} in <#{GOV}|ai-support-gov>", user=ADMIN)


def _current(bot) -> dict[tuple[str, str], str]:
    with bot.session() as db:
        rows = db.exec(select(OwnerAssignment).where(OwnerAssignment.ended_at.is_(None))).all()
    return {(r.role, r.stage): r.user_id for r in rows}


def test_outcome_workflow_and_stage_owners_by_command(bot):
    _with_workflow(bot)
    answer = said(run(bot, "/owner", f"outcome <@{MARIA}|maria> support resolution", user=ADMIN))
    assert f"<@{MARIA}> is now the outcome owner of *{SUPPORT}*" in answer
    run(bot, "/owner", f"workflow <@{LI}|li> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f'stage "Exception handling" <@{SAM}|sam> {SUPPORT}', user=ADMIN)
    # Unquoted stage names work too when the mention separates them from the workflow.
    run(bot, "/owner", f"stage Intake <@{DANA}|dana> {SUPPORT}", user=ADMIN)
    assert _current(bot) == {
        ("outcome", ""): MARIA,
        ("workflow", ""): LI,
        ("stage", "Exception handling"): SAM,
        ("stage", "Intake"): DANA,
    }
    assert audit_actions(bot).count("owner.assigned") == 4
    bot.fake.wait_for(lambda: len(channel_texts(bot, GOV)) >= 5)
    notices = "\n".join(channel_texts(bot, GOV))
    assert f"<@{SAM}> is now the stage owner for “Exception handling” of *{SUPPORT}*" in notices
    bot.fake.wait_for(lambda: bot.fake.dms(LI))
    assert "made you the workflow owner" in bot.fake.dms(LI)[0]["text"]


def test_reassignment_keeps_history_and_tells_both_people(bot):
    _with_workflow(bot)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    answer = said(run(bot, "/owner", f"outcome <@{DANA}> {SUPPORT}", user=ADMIN))
    assert f"taking over from <@{MARIA}>" in answer
    with bot.session() as db:
        rows = db.exec(select(OwnerAssignment).order_by(OwnerAssignment.id)).all()
    assert [(r.user_id, r.ended_at is not None, r.assigned_by) for r in rows] == [
        (MARIA, True, ADMIN), (DANA, False, ADMIN)]  # fmt: skip
    bot.fake.wait_for(lambda: len(bot.fake.dms(MARIA)) >= 2 and bot.fake.dms(DANA))
    assert (
        f"handed the outcome owner of *{SUPPORT}* to <@{DANA}>" in bot.fake.dms(MARIA)[-1]["text"]
    )
    assert f"take over from <@{MARIA}>" in bot.fake.dms(DANA)[0]["text"]
    history = said(run(bot, "/cadence", f"workflow show {SUPPORT}", user=EVE))
    assert "Ownership history" in history and f"<@{MARIA}>" in history


def test_assigning_the_same_person_again_changes_nothing(bot):
    _with_workflow(bot)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    keys = outbox_keys(bot)
    assert "already the outcome owner" in said(
        run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    )
    assert outbox_keys(bot) == keys
    assert audit_actions(bot).count("owner.assigned") == 1


def test_bad_owner_input_is_explained_and_changes_nothing(bot):
    _with_workflow(bot)
    cases = {
        f"outcome {SUPPORT}": "mention the person with @",
        f"outcome @maria {SUPPORT}": "couldn't tell who *@maria* is",
        f"outcome <@{MARIA}> <@{LI}> {SUPPORT}": "just one person",
        f"outcome <@{HELPER_BOT}> {SUPPORT}": "is a bot",
        f"outcome <@{GONE}> {SUPPORT}": "has left the workspace",
        f"outcome <@{MARIA}> Suport resolution": "Did you mean *Support resolution*",
        f"outcome <@{MARIA}>": "Which workflow?",
        f"boss <@{MARIA}> {SUPPORT}": "don't know the role *boss*",
        f"stage <@{MARIA}> {SUPPORT}": "Which stage?",
    }
    for text, expected in cases.items():
        answer = run(bot, "/owner", text, user=ADMIN)
        assert expected in said(answer), (text, said(answer))
        assert answer["response_type"] == "ephemeral"
    assert _current(bot) == {}
    assert audit_actions(bot) == ["workflow.added"]


def test_owner_list_shows_owners_and_gaps(bot):
    _with_workflow(bot)
    run(bot, "/cadence", "workflow add Onboarding", user=ADMIN)
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    listing = said(run(bot, "/owner", "list", user=EVE))
    assert "*Onboarding*: no outcome owner, no workflow owner" in listing
    assert f"*{SUPPORT}*: no workflow owner" in listing
    one = said(run(bot, "/owner", "list support resolution", user=EVE))
    assert "Onboarding" not in one and f"<@{MARIA}>" in one


def test_owner_modal_assigns_a_stage_owner(bot):
    _with_workflow(bot)
    reply = bot.sim.command("/owner", "", user=ADMIN)
    assert reply.status == 200
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    assert view["callback_id"] == "owner-modal"
    submitted = bot.sim.submit(
        view,
        user=ADMIN,
        values={"Workflow": SUPPORT, "Role": "stage", "owner-stage": "Intake", "Person": SAM},
    )
    assert submitted.status == 200
    assert submitted.json["response_action"] == "update"
    assert f"<@{SAM}> is now the stage owner for “Intake”" in said(
        {"blocks": submitted.json["view"]["blocks"]}
    )
    assert _current(bot) == {("stage", "Intake"): SAM}
    bot.fake.wait_for(lambda: bot.fake.dms(SAM))


def test_owner_modal_shows_errors_next_to_the_field(bot):
    _with_workflow(bot)
    bot.sim.command("/owner", "", user=ADMIN)
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    as_bot = bot.sim.submit(
        view, user=ADMIN, values={"Workflow": SUPPORT, "Role": "outcome", "Person": HELPER_BOT}
    )
    assert as_bot.json["response_action"] == "errors"
    assert "is a bot" in as_bot.json["errors"]["owner-person"]
    no_stage = bot.sim.submit(
        view, user=ADMIN, values={"Workflow": SUPPORT, "Role": "stage", "Person": SAM}
    )
    assert "Which stage?" in no_stage.json["errors"]["owner-stage"]
    refused = bot.sim.submit(
        view, user=EVE, values={"Workflow": SUPPORT, "Role": "outcome", "Person": EVE}
    )
    assert "can't change that" in refused.json["errors"]["owner-workflow"]
    assert _current(bot) == {}


def test_owner_modal_without_workflows_says_how_to_start(bot):
    answer = said(run(bot, "/owner", "", user=ADMIN))
    assert "no workflows" in answer and "/cadence workflow add" in answer
    assert not bot.fake.calls_to("views.open")
