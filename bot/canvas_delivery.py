"""The outbox's canvas calls: finding the canvas an unanswered create made, and remembering
the canvas id Slack gave back.

A create whose answer was lost (a timeout, a crash mid-call) may have made the canvas. Before
trying again, the deliverer asks `conversations.info`: a channel canvas there now is the one
that attempt made, so it is adopted instead of asking for a second (which Slack would refuse
with `channel_canvas_already_exists`).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot.outbox_payload import find_posted
from cadence.canvas import outcomes
from cadence.canvas.refresh import CREATE_METHOD
from storage.models import OutboxMessage

logger = logging.getLogger("bot.delivery")

POST = "chat.postMessage"
# Calls that may have acted although no answer came back, and that can be looked for.
LOOKED_FOR = frozenset({POST, CREATE_METHOD})


def find_earlier(
    client: WebClient, method: str, payload: dict[str, Any], key: str
) -> dict[str, Any] | None:
    """What an unanswered earlier attempt already did in Slack, or None (then call again)."""
    if method == POST:
        return find_posted(client, payload, key)
    if method == CREATE_METHOD:
        return find_channel_canvas(client, str(payload.get("channel_id", "")), key)
    return None


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
    logger.info("%s had made canvas %s before; not creating another", key, canvas_id)
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
