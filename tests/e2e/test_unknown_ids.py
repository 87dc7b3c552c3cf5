"""Buttons and forms Cadence does not know get a plain answer; the ones it knows never do, even
when their own listener is slow (bolt then looks for another listener after 3 s)."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

import handlers.views.escalation_modal
from handlers.fallbacks import UNKNOWN_BUTTON, UNKNOWN_FORM
from storage.models import Escalation
from tests.cast import EVE, GENERAL
from tests.e2e.test_escalate import SUPPORT, open_form, staffed
from tests.e2e.test_hostile_input import click_payload


def test_an_unknown_button_is_answered_privately(bot):
    action = {"action_id": "from-an-older-version", "block_id": "b", "type": "button",
              "value": "1", "action_ts": "1700000000.1"}  # fmt: skip
    payload = click_payload(bot, action)
    reply = bot.sim.send(payload)
    assert reply.status == 200
    [answer] = bot.fake.wait_for_responses(key=payload["response_url"])
    assert answer["text"] == UNKNOWN_BUTTON and answer["response_type"] == "ephemeral"


def test_an_unknown_form_turns_into_a_note(bot):
    staffed(bot)
    view = open_form(bot)
    view["callback_id"] = "a-form-from-an-older-version"
    reply = bot.sim.submit(view, user=EVE, values={"What happened?": "x"}, latest=False,
                           enforce_required=False)  # fmt: skip
    assert reply.status == 200
    assert reply.json["response_action"] == "update"
    assert UNKNOWN_FORM in str(reply.json["view"])


def test_a_slow_form_of_ours_is_never_called_out_of_date(bot, monkeypatch: pytest.MonkeyPatch):
    staffed(bot)
    view = open_form(bot, user=EVE, channel=GENERAL)
    raise_escalation = handlers.views.escalation_modal.raising.raise_escalation

    def slow(*args, **kwargs):
        time.sleep(3.5)  # past bolt's 3 s wait for an ack
        return raise_escalation(*args, **kwargs)

    monkeypatch.setattr(handlers.views.escalation_modal.raising, "raise_escalation", slow)
    values = {"Workflow": SUPPORT, "Decision point": "Budget", "Severity": "sev-3",
              "What happened?": "slow but real"}  # fmt: skip
    reply = bot.sim.submit(view, user=EVE, values=values)
    assert UNKNOWN_FORM not in reply.body, "a real form was told it is out of date"

    def stored() -> bool:
        with bot.session() as db:
            return db.exec(select(Escalation)).first() is not None

    bot.fake.wait_for(stored, timeout=10)
