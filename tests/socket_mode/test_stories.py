"""The main stories, told over Socket Mode: every request is an envelope on the bot's WebSocket
and every answer that Slack takes from the ack (a modal's errors or update) arrives in one."""

from __future__ import annotations

from slackfake.forms import all_text
from storage.models import Escalation
from tests.cast import EVE, MARIA
from tests.e2e.helpers import audit_actions, run, said
from tests.e2e.test_escalate import escalate, owner_dm, staffed
from tests.e2e.test_escalation_lifecycle import answer, resolve


def test_the_connection_is_opened_with_the_app_token_and_greeted(bot):
    opened = bot.fake.calls_to("apps.connections.open")
    assert len(opened) == 1 and opened[0].ok
    assert opened[0].headers["authorization"] == "Bearer xapp-1-A0001-test"
    assert len(bot.fake.links()) == 1 and bot.fake.links()[0].is_open
    # Nothing went over HTTP: the bot serves no endpoint in this mode.
    assert bot.url == "socket"


def test_a_slash_command_is_answered(bot):
    text = said(run(bot, "/cadence", "help", user=EVE))
    assert "Cadence commands" in text
    [envelope] = bot.fake.envelopes()
    assert envelope.type == "slash_commands" and envelope.accepts_response_payload
    assert [ack["link"] for ack in envelope.acks] == [1]


def test_a_form_is_opened_submitted_and_a_button_clicked(bot):
    staffed(bot)
    esc = escalate(bot, summary="refund bot promised credits")
    assert (esc.summary, esc.routed_to) == ("refund bot promised credits", MARIA)
    submission = next(e for e in bot.fake.envelopes() if e.payload.get("type") == "view_submission")
    assert submission.type == "interactive" and submission.accepts_response_payload
    dm = owner_dm(bot, MARIA, esc.id)
    assert "You acknowledged" in answer(bot, bot.sim.click(dm, user=MARIA, text="Acknowledge"))
    click = next(e for e in bot.fake.envelopes() if e.payload.get("type") == "block_actions")
    assert not click.accepts_response_payload
    # A form's errors and its update come back in the ack's payload.
    blank = resolve(bot, dm, user=MARIA, note="   ")
    assert blank.json["response_action"] == "errors"
    assert "how it was resolved" in blank.json["errors"]["escalation-note"]
    done = resolve(bot, dm, user=MARIA, note="Credits honoured.")
    assert done.json["response_action"] == "update" and "is resolved" in all_text(done.json["view"])
    with bot.session() as db:
        assert db.get(Escalation, esc.id).status == "resolved"
    assert audit_actions(bot).count("escalation.resolved") == 1


def test_an_event_publishes_the_home_tab(bot):
    staffed(bot)
    reply = bot.sim.home_opened(MARIA)
    assert reply.status == 200
    bot.fake.wait_for("views.publish")
    assert "Outcome owner of *Support resolution*" in all_text(bot.fake.home(MARIA)["blocks"])
    [event] = [e for e in bot.fake.envelopes() if e.type == "events_api"]
    assert (event.retry_attempt, event.retry_reason) == (0, "")
