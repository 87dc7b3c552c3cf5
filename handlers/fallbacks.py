"""The last listeners: a button or a form Cadence does not know (an old message, a newer or
older version of the app, a made-up payload) gets a plain answer instead of an error in Slack.

They match only ids that are none of ours. Matching everything would be wrong: bolt moves on to
the next matching listener when one has not acked within 3 s, so a slow but legitimate form
submission would be told "out of date" while its own listener goes on to save it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.blocks.modals import build_done_modal
from handlers.errors import reply_privately
from handlers.ids import (
    VOTE_ACTION_PREFIX,
    ActionId,
    EscalationAction,
    EscalationView,
    ReminderAction,
    RiskTierAction,
    View,
)
from handlers.payloads import first_action

logger = logging.getLogger(__name__)

ANYTHING = re.compile(".*", re.DOTALL)
# Every id some listener in handlers/actions and handlers/views answers (votes by prefix).
KNOWN_ACTIONS = frozenset({*ActionId, *EscalationAction, *ReminderAction, *RiskTierAction})
KNOWN_FORMS = frozenset({*View, *EscalationView})
UNKNOWN_BUTTON = (
    "That button isn't one I know any more (it may be on an old message), so nothing changed. "
    "Type `/cadence help` to see what I can do."
)
UNKNOWN_FORM = "This form is out of date, so nothing was saved. Close it and open it again."


def is_unknown_action(body: dict[str, Any]) -> bool:
    """Whether no listener of ours answers the clicked element's action_id."""
    action_id = str(first_action(body).get("action_id") or "")
    return action_id not in KNOWN_ACTIONS and not action_id.startswith(VOTE_ACTION_PREFIX)


def is_unknown_form(body: dict[str, Any]) -> bool:
    """Whether no listener of ours answers the submitted form's callback_id."""
    view = body.get("view")
    return not isinstance(view, dict) or view.get("callback_id") not in KNOWN_FORMS


def handle_unknown_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    """Acknowledge, and say privately that the button is not one of ours any more."""
    ack()
    logger.info("Unknown action_id %r", str(first_action(body).get("action_id"))[:100])
    reply_privately(body, client, UNKNOWN_BUTTON)


def handle_unknown_view(ack: Ack, body: dict[str, Any]) -> None:
    """Turn the submitted form into a note that it is out of date."""
    view = body.get("view") or {}
    logger.info("Unknown form callback_id %r", str(view.get("callback_id"))[:100])
    ack(response_action="update", view=build_done_modal("Out of date", UNKNOWN_FORM))


def register(app: App) -> None:
    """Register the catch-alls for ids none of ours answers (last, for good measure)."""
    app.action(ANYTHING, matchers=[is_unknown_action])(handle_unknown_action)
    app.view(ANYTHING, matchers=[is_unknown_form])(handle_unknown_view)
