"""Outbox payloads at the moment of sending: rendered fresh, with references resolved, and the
lookup that finds a post whose answer was lost (so it is not posted twice)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session, select

from cadence.vocabulary import OutboxStatus
from handlers.renderers import Renderer
from storage.models import OutboxMessage

logger = logging.getLogger("bot.delivery")

REFERENCE_WAIT_SECONDS = 2.0
# Every post carries this message metadata with its outbox key, so it can be found again.
METADATA_EVENT = "cadence_outbox"
HISTORY_LOOKBACK = 200


@dataclass(frozen=True)
class Wait:
    """Not yet: try again in `seconds` (not a failed attempt)."""

    seconds: float
    reason: str | None  # None: pacing, not a problem worth recording


@dataclass(frozen=True)
class Drop:
    """Nothing to send any more (the message it refers to never went out, or it is moot)."""

    reason: str


def prepare(
    db: Session,
    message: OutboxMessage,
    renderers: dict[str, Renderer],
    pace: Callable[[str, str], float],
) -> dict[str, Any] | Wait | Drop:
    """The payload to send: references to other messages resolved, paced, rendered now if asked.

    `thread_of` and `message_of` name the idempotency key of an earlier message to reply in or
    update; `after`, one that must have been delivered first. `render` names a renderer that
    builds the content from what the database holds at the moment of sending (so a coalesced
    update always shows the latest state). Pacing
    (`pace(method, channel)`: seconds to wait) is checked before rendering when the channel is
    known, so a held-back update is not rendered for nothing (a tally render also re-arms the
    next refresh).
    """
    payload = dict(message.payload)
    render = payload.pop("render", None)
    args = dict(payload.pop("args", {}) or {})
    for ref, fields in (
        ("thread_of", ("channel", "thread_ts")),
        ("message_of", ("channel", "ts")),
        ("after", None),
    ):
        key = payload.pop(ref, None)
        if key is None:
            continue
        target = db.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
        if target is None or target.status in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
            return Drop(f"{key} was never delivered")
        if target.status != OutboxStatus.SENT or (fields and not target.result_ts):
            return Wait(REFERENCE_WAIT_SECONDS, f"waiting for {key}")
        if fields is None:
            continue  # only the order mattered
        channel_field, ts_field = fields
        payload[channel_field] = target.result_channel or payload.get(channel_field)
        payload[ts_field] = target.result_ts
    paced = bool(payload.get("channel"))
    if paced and (wait := pace(message.method, str(payload["channel"]))) > 0:
        return Wait(wait, None)
    if render is not None:
        renderer = renderers.get(str(render))
        if renderer is None:
            return Drop(f"no renderer named {render!r}")
        rendered = renderer(db, args)
        if rendered is None:
            return Drop("nothing left to say")
        payload.update(
            {k: v for k, v in rendered.items() if k not in ("channel", "ts") or not paced}
        )
    if not paced and (wait := pace(message.method, str(payload.get("channel", "")))) > 0:
        return Wait(wait, None)
    return payload


def find_posted(client: WebClient, payload: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The message an unanswered attempt posted, found by its metadata; None if not there.

    Needs the history scopes; without them (or on any error) this answers None and the
    message is posted again, which is the lesser harm than losing it.
    """
    channel = str(payload.get("channel", ""))
    try:
        if channel.startswith(("U", "W")):
            opened = client.conversations_open(users=channel)
            channel = str(opened["channel"]["id"])
        if payload.get("thread_ts"):
            found = client.conversations_replies(
                channel=channel, ts=str(payload["thread_ts"]), include_all_metadata=True,
                limit=HISTORY_LOOKBACK,
            )  # fmt: skip
        else:
            found = client.conversations_history(
                channel=channel, include_all_metadata=True, limit=HISTORY_LOOKBACK
            )
    except (SlackApiError, OSError, TimeoutError) as exc:
        logger.warning("Could not check whether %s was already posted: %s", key, exc)
        return None
    for posted in found.get("messages") or []:
        meta = posted.get("metadata") or {}
        if meta.get("event_type") == METADATA_EVENT and (
            (meta.get("event_payload") or {}).get("key") == key
        ):
            logger.info("%s had reached Slack before; not posting it again", key)
            return {"ok": True, "channel": channel, "ts": posted.get("ts")}
    return None
