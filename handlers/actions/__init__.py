"""Button listeners (block_actions)."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import reminders


def register(app: App) -> None:
    """Register every button's listener."""
    reminders.register(app)
