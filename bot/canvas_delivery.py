"""The outbox's canvas calls: looking before creating, and remembering the canvas id.

Before each create the deliverer asks `conversations.info` whether the channel has a canvas.
After an attempt whose answer was lost (a timeout, a crash mid-call), a canvas there now is
the one that attempt made: it is adopted instead of asking for a second. Before a first
attempt (or one after a clear answer), a canvas there is someone else's: the create is refused
as Slack would refuse it (`channel_canvas_already_exists`) without calling it, so a lost answer
can never make Cadence adopt, and overwrite, a canvas people wrote.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlmodel import Session

from bot.outbox_payload import find_posted
from cadence.canvas import outcomes
from cadence.canvas.refresh import CREATE_METHOD
from storage.models import OutboxMessage

logger = logging.getLogger("bot.delivery")

POST = "chat.postMessage"
# Calls that may have acted although no answer came back, and that can be looked for.
LOOKED_FOR = frozenset({POST, CREATE_METHOD})


def look_first(
    client: WebClient, method: str, payload: dict[str, Any], key: str, *, uncertain: bool
) -> dict[str, Any] | SlackApiError | None:
    """What to record without calling `method` (an earlier attempt's result, or Slack's certain
    refusal); None: call it. `uncertain`: an earlier attempt may have acted unanswered."""
    if method == POST:
        return find_posted(client, payload, key) if uncertain else None
    if method != CREATE_METHOD:
        return None
    found = find_channel_canvas(client, str(payload.get("channel_id", "")), key)
    if found is None or uncertain:
        return found
    refusal = {"ok": False, "error": "channel_canvas_already_exists"}
    answer = SlackResponse(client=client, http_verb="POST", api_url=method, req_args={},
                           data=refusal, headers={}, status_code=200)  # fmt: skip
    return SlackApiError("The channel already has a canvas", answer)


def find_channel_canvas(client: WebClient, channel: str, key: str) -> dict[str, Any] | None:
    """The channel's canvas as a create's answer, if the channel has one now."""
    try:
        info = client.conversations_info(channel=channel)
    except (SlackApiError, OSError, TimeoutError) as exc:
        logger.warning("Could not check whether %s already made a canvas: %s", key, exc)
        return None
    properties = (info.get("channel") or {}).get("properties") or {}
    canvas_id = (properties.get("canvas") or {}).get("file_id")
    if not canvas_id:
        return None
    logger.info("%s: the channel has canvas %s; not creating another", key, canvas_id)
    return {"ok": True, "canvas_id": canvas_id, "found": True}


def after_sent(db: Session, message: OutboxMessage, outcome: dict[str, Any]) -> None:
    """Remember what a canvas call gave back (the id of the canvas a create made)."""
    if message.method == CREATE_METHOD and outcome.get("canvas_id"):
        outcomes.record_created(
            db,
            message=message,
            canvas_id=str(outcome["canvas_id"]),
            found=bool(outcome.get("found")),
        )
