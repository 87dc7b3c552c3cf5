"""Small Block Kit builders that keep every text inside Slack's limits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from cadence.text import escape
from slackfake.limits import LIMITS

__all__ = ["escape"]


def truncate(text: str, limit: int) -> str:
    """Cut `text` to `limit` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object."""
    return {"type": "plain_text", "text": truncate(text, limit), "emoji": True}


def header(text: str) -> dict[str, Any]:
    """A header block."""
    return {"type": "header", "text": plain(text, LIMITS.header_text)}


def section(text: str, *, accessory: dict[str, Any] | None = None) -> dict[str, Any]:
    """A mrkdwn section block."""
    block: dict[str, Any] = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": truncate(text, LIMITS.section_text)},
    }
    if accessory is not None:
        block["accessory"] = accessory
    return block


def context(*texts: str) -> dict[str, Any]:
    """A context block of mrkdwn snippets (at most 10)."""
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(t, LIMITS.context_text)}
            for t in texts[: LIMITS.context_elements]
        ],
    }


def divider() -> dict[str, Any]:
    """A divider block."""
    return {"type": "divider"}


def button(
    text: str, *, action_id: str, value: str = "", style: str | None = None
) -> dict[str, Any]:
    """A button element."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(text, LIMITS.button_text),
        "action_id": action_id,
    }
    if value:
        element["value"] = value[: LIMITS.button_value]
    if style:
        element["style"] = style
    return element


def option(text: str, value: str) -> dict[str, Any]:
    """An option for selects and radio buttons."""
    return {"text": plain(text, LIMITS.option_text), "value": value[: LIMITS.option_value]}


def local_date(moment: datetime, timezone: str) -> str:
    """A stored UTC moment as a date in the workspace's time zone."""
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d}"


def fallback_text(text: str) -> str:
    """The notification text that accompanies blocks."""
    return truncate(text, LIMITS.message_text)


def cap_blocks(blocks: list[dict[str, Any]], limit: int, *, more: str) -> list[dict[str, Any]]:
    """Keep at most `limit` blocks; the last one says what was left out."""
    if len(blocks) <= limit:
        return blocks
    return [*blocks[: limit - 1], context(more)]


def slack_time(moment: datetime, *, fmt: str = "{date_short_pretty} at {time}") -> str:
    """A moment Slack shows in each reader's own time zone (UTC text where it cannot)."""
    fallback = f"{moment.astimezone(ZoneInfo('UTC')):%a %d %b %H:%M} UTC"
    return f"<!date^{int(moment.timestamp())}^{fmt}|{fallback}>"
