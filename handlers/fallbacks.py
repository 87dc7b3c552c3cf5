"""The last listeners: a button or a form Cadence no longer knows (an old message, a newer or
older version of the app, a made-up payload) gets a plain answer instead of an error in Slack.

Bolt runs the first listener that matches, so these are registered after every other family.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers.blocks.modals import build_done_modal
from handlers.errors import reply_privately
from handlers.payloads import first_action

logger = logging.getLogger(__name__)

ANYTHING = re.compile(".*", re.DOTALL)
UNKNOWN_BUTTON = (
    "That button isn't one I know any more (it may be on an old message), so nothing changed. "
    "Type `/cadence help` to see what I can do."
)
UNKNOWN_FORM = "This form is out of date, so nothing was saved. Close it and open it again."


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
    """Register the catch-alls (last: bolt runs the first listener that matches)."""
    app.action(ANYTHING)(handle_unknown_action)
    app.view(ANYTHING)(handle_unknown_view)
