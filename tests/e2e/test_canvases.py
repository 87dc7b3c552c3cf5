"""Living canvases end to end: the real bot, signed requests, the fake Slack's canvases.

Each workflow's governance channel gets one channel canvas (the escalation map and the
decision log), created once even when the create call's answer is lost, edited after a
decision, with a burst of changes coalesced into one edit; where Slack refuses canvases the
map and log are posted as messages instead and the owners are told once how to enable it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot.jobs import JOBS, JobRuntime, run_job
from cadence.canvas.refresh import COALESCE
from cadence.vocabulary import OutboxStatus
from slackfake.forms import all_text
from storage.models import ChannelCanvas, OutboxMessage
from tests.cast import ADMIN, DANA, GOV, LI, MARIA, SAM
from tests.e2e.helpers import pending_rows, run, said, wait_for_the_worker

SUPPORT = "Support resolution"
FRIDAY = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def settle(bot, clock) -> None:
    """Deliver everything queued, moving frozen time past any coalescing delay or backoff."""
    for _ in range(40):
        bot.deliverer.deliver_due()
        pending = pending_rows(bot)
        if not pending:
            return
        clock.advance(seconds=3)
    wait_for_the_worker(bot)


def register(bot, clock) -> None:
    """Support resolution in #ai-support-gov, owned by Maria (outcome) and Li (workflow)."""
    clock.current = FRIDAY
    bot.deliverer.channel_pace = 0
    run(bot, "/cadence", f'workflow add {SUPPORT} in <#{GOV}|gov> outcome "resolve faster"',
        user=ADMIN)  # fmt: skip
    run(bot, "/owner", f"outcome <@{MARIA}> {SUPPORT}", user=ADMIN)
    run(bot, "/owner", f"workflow <@{LI}> {SUPPORT}", user=ADMIN)


def canvas_calls(bot, method: str) -> list:
    return [c for c in bot.fake.calls_to(method) if c.ok]


def markdown(bot) -> str:
    canvas = bot.fake.channel_canvas(GOV)
    assert canvas is not None, "no channel canvas in the governance channel"
    return canvas["markdown"]


def record_decision(bot, clock, *, choice: str, rationale: str) -> None:
    """Open this week's thread and record its decision as Maria, through the modal."""
    clock.current = MONDAY_9
    run_job(JOBS["open-governance-threads"], JobRuntime(bot.settings, bot.engine, bot.deliverer))
    settle(bot, clock)
    [parent] = [m for m in bot.fake.messages(GOV) if "Weekly governance" in m["text"]]
    reply = bot.sim.click(parent, user=MARIA, action_id="governance-record")
    assert reply.status == 200
    bot.fake.wait_for("views.open")
    (view,) = bot.fake.views.values()
    done = bot.sim.submit(view, user=MARIA, values={"Decision": choice, "Rationale": rationale})
    assert done.json["response_action"] == "update", done.json


def test_the_canvas_is_created_once_and_edited_after_a_decision(bot, frozen_clock):
    register(bot, frozen_clock)
    settle(bot, frozen_clock)

    [create] = canvas_calls(bot, "conversations.canvases.create")
    assert create.params["channel_id"] == GOV
    assert create.params["document_content"]["type"] == "markdown"
    assert len(bot.fake.all_canvases()) == 1
    shown = markdown(bot)
    assert "# Support resolution: escalation map" in shown
    assert f"**Outcome owner:** ![](@{MARIA})" in shown
    assert f"**Workflow owner:** ![](@{LI})" in shown
    assert "| **Model change** |" in shown and "No governance decision" in shown
    with bot.session() as db:
        stored = db.exec(select(ChannelCanvas)).one()
    assert (stored.status, stored.canvas_id) == ("live", create.response["canvas_id"])

    edits_before = len(canvas_calls(bot, "canvases.edit"))
    record_decision(
        bot, frozen_clock, choice="stabilize", rationale="Quality dipped after the prompt change."
    )
    settle(bot, frozen_clock)

    edits = canvas_calls(bot, "canvases.edit")[edits_before:]
    assert edits, "the decision did not edit the canvas"
    change = edits[-1].params["changes"][0]
    assert change["operation"] == "replace" and "section_id" not in change
    assert edits[-1].params["canvas_id"] == stored.canvas_id
    log = markdown(bot).split("# Decision log", 1)[1]
    assert "Stabilize before scaling" in log
    assert "Quality dipped after the prompt change." in log
    assert f"Recorded by ![](@{MARIA})" in log
    # Still one canvas, created once.
    assert len(canvas_calls(bot, "conversations.canvases.create")) == 1
    assert len(bot.fake.all_canvases()) == 1


def test_a_create_whose_answer_was_lost_is_not_made_twice(bot, frozen_clock):
    bot.deliverer.client.timeout = 1  # Slack's answer never comes: the call times out
    bot.fake.lose_response("conversations.canvases.create", seconds=5)
    register(bot, frozen_clock)
    settle(bot, frozen_clock)

    # Slack got the call twice at most once: the retry looked first and found the canvas.
    assert len(bot.fake.calls_to("conversations.canvases.create")) == 1
    assert bot.fake.calls_to("conversations.info")
    [canvas] = bot.fake.all_canvases()
    with bot.session() as db:
        stored = db.exec(select(ChannelCanvas)).one()
        [create] = db.exec(
            select(OutboxMessage).where(OutboxMessage.method == "conversations.canvases.create")
        ).all()
    assert (stored.status, stored.canvas_id) == ("live", canvas["id"])
    assert (create.status, create.attempts) == ("sent", 2)
    # And it is kept current like any other: the owners assigned after it show.
    assert f"![](@{LI})" in markdown(bot)


def test_ten_quick_changes_make_one_edit(bot, frozen_clock):
    register(bot, frozen_clock)
    settle(bot, frozen_clock)
    edits_before = len(canvas_calls(bot, "canvases.edit"))

    stages = [f"Stage {n}" for n in range(1, 11)]
    for stage in stages:
        run(bot, "/owner", f'stage "{stage}" <@{SAM}> {SUPPORT}', user=ADMIN)
    with bot.session() as db:
        queued = db.exec(
            select(OutboxMessage)
            .where(OutboxMessage.method == "canvases.edit")
            .where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
    assert len(queued) == 1, "a burst of changes queued more than one refresh"
    assert len(canvas_calls(bot, "canvases.edit")) == edits_before  # waits for the burst

    frozen_clock.advance(seconds=COALESCE.total_seconds() + 1)
    settle(bot, frozen_clock)

    assert len(canvas_calls(bot, "canvases.edit")) == edits_before + 1
    shown = markdown(bot)
    assert all(f"**Stage owner, {stage}:** ![](@{SAM})" in shown for stage in stages)

    # A change after that edit queues the next one: nothing is lost to the coalescing.
    run(bot, "/cadence", f"council add <@{DANA}>", user=ADMIN)
    settle(bot, frozen_clock)
    assert len(canvas_calls(bot, "canvases.edit")) == edits_before + 2
    assert f"**Members:** ![](@{DANA})" in markdown(bot)


@pytest.mark.parametrize(
    "refusal", ["canvas_tab_creation_failed", "team_tier_cannot_create_channel_canvases"]
)
def test_a_refused_canvas_falls_back_to_messages_and_tells_the_owners_once(
    bot, frozen_clock, refusal
):
    bot.fake.refuse_canvases(refusal)
    register(bot, frozen_clock)
    settle(bot, frozen_clock)

    assert bot.fake.all_canvases() == []
    posts = bot.fake.messages(GOV)
    [map_post] = [m for m in posts if m["text"] == f"Escalation map for {SUPPORT}"]
    [log_post] = [m for m in posts if m["text"] == f"Decision log: {SUPPORT}"]
    assert f"Outcome owner: <@{MARIA}>" in all_text(map_post)
    assert "No governance decision has been recorded yet." in all_text(log_post)
    for owner in (MARIA, LI):
        [dm] = [m for m in bot.fake.dms(owner) if "channel canvas" in m["text"]]
        assert refusal in dm["text"] and f"/cadence canvas {SUPPORT}" in dm["text"]

    # Later changes keep the stand-in messages current, in place; nobody is told twice.
    run(bot, "/owner", f'stage "Intake" <@{SAM}> {SUPPORT}', user=ADMIN)
    record_decision(bot, frozen_clock, choice="stabilize", rationale="Refund errors rose.")
    settle(bot, frozen_clock)
    assert bot.fake.all_canvases() == []
    assert "Intake" in all_text(bot.fake.message(GOV, map_post["ts"]))
    assert "Refund errors rose." in all_text(bot.fake.message(GOV, log_post["ts"]))
    stand_ins = [m for m in bot.fake.messages(GOV) if m["text"].startswith(
        (f"Escalation map for {SUPPORT}", f"Decision log: {SUPPORT}"))]  # fmt: skip
    assert len(stand_ins) == 2

    # Trying again while Slack still refuses: still messages, still no second DM.
    answer = said(run(bot, "/cadence", f"canvas {SUPPORT}", user=MARIA))
    assert "Creating the channel canvas" in answer
    settle(bot, frozen_clock)
    for owner in (MARIA, LI):
        assert len([m for m in bot.fake.dms(owner) if "channel canvas" in m["text"]]) == 1
    assert all("channel canvas" not in m["text"] for m in bot.fake.dms(SAM))
    # Refused again: the same two messages, brought up to date, not a second pair.
    assert [m["ts"] for m in bot.fake.messages(GOV) if m["text"].startswith(
        (f"Escalation map for {SUPPORT}", f"Decision log: {SUPPORT}"))] == [
        map_post["ts"], log_post["ts"]]  # fmt: skip


def test_once_enabled_the_canvas_is_made_on_request(bot, frozen_clock):
    bot.fake.refuse_canvases("restricted_action")
    register(bot, frozen_clock)
    settle(bot, frozen_clock)
    assert bot.fake.all_canvases() == []

    bot.fake.refuse_canvases(None)  # an admin allowed it
    refused = said(run(bot, "/cadence", f"canvas {SUPPORT}", user=SAM))
    assert "can" in refused and bot.fake.all_canvases() == []
    run(bot, "/cadence", f"canvas {SUPPORT}", user=MARIA)
    settle(bot, frozen_clock)

    assert f"**Outcome owner:** ![](@{MARIA})" in markdown(bot)
    with bot.session() as db:
        assert db.exec(select(ChannelCanvas)).one().status == "live"


def test_a_canvas_people_already_keep_in_the_channel_is_never_overwritten(bot, frozen_clock):
    theirs = bot.fake.channel_canvas
    person = WebClient(token="xoxp-a-person", base_url=bot.fake.url)  # made first, by a person
    made = person.conversations_canvases_create(
        channel_id=GOV, document_content={"type": "markdown", "markdown": "# Our team notes"}
    )
    register(bot, frozen_clock)
    settle(bot, frozen_clock)

    assert theirs(GOV)["id"] == made["canvas_id"]
    assert theirs(GOV)["markdown"] == "# Our team notes" and theirs(GOV)["edits"] == 0
    # Cadence looked first and did not even ask for a second canvas.
    assert len(bot.fake.calls_to("conversations.canvases.create")) == 1  # the person's
    assert any(m["text"] == f"Escalation map for {SUPPORT}" for m in bot.fake.messages(GOV))
    [dm] = [m for m in bot.fake.dms(MARIA) if "channel canvas" in m["text"]]
    assert "channel_canvas_already_exists" in dm["text"] and "will not overwrite" in dm["text"]


def test_a_deleted_canvas_is_made_again_at_the_next_change(bot, frozen_clock):
    register(bot, frozen_clock)
    settle(bot, frozen_clock)
    first = bot.fake.channel_canvas(GOV)["id"]
    bot.fake.delete_canvas(first)

    run(bot, "/owner", f'stage "Intake" <@{SAM}> {SUPPORT}', user=ADMIN)
    settle(bot, frozen_clock)

    [canvas] = bot.fake.all_canvases()
    assert canvas["id"] != first and "**Stage owner, Intake:** ![](@USAM)" in canvas["markdown"]
    with bot.session() as db:
        stored = db.exec(select(ChannelCanvas)).one()
    assert (stored.canvas_id, stored.status, stored.round) == (canvas["id"], "live", 1)
