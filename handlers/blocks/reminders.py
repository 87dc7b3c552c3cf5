"""Reminder DMs: what is waiting, since when, and buttons to act or snooze."""

from __future__ import annotations

from typing import Any

from handlers.blocks.kit import button, context, fallback_text, section
from handlers.ids import ReminderAction


def snooze_buttons(subject: str) -> list[dict[str, Any]]:
    """Snooze for an hour / a day (the value is the reminder's subject)."""
    return [
        button("Snooze 1 hour", action_id=ReminderAction.SNOOZE_HOUR, value=subject),
        button("Snooze 1 day", action_id=ReminderAction.SNOOZE_DAY, value=subject),
    ]


def build_reminder(
    *, text: str, details: list[str], actions: list[dict[str, Any]], subject: str
) -> dict[str, Any]:
    """A reminder DM: the headline, a few lines of detail, the buttons (then snooze)."""
    blocks: list[dict[str, Any]] = [section(text)]
    if details:
        blocks.append(context(*details[:10]))
    blocks.append({"type": "actions", "block_id": "reminder-actions",
                   "elements": [*actions, *snooze_buttons(subject)][:25]})  # fmt: skip
    return {"text": fallback_text(text), "blocks": blocks}


def build_settled(original: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """The reminder's blocks with its buttons retired and a note of what happened."""
    kept = [b for b in original if b.get("type") != "actions"]
    return [*kept, context(note)]
