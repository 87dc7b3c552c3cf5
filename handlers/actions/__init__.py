"""Button and select listeners on messages."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import governance, reminders


def register(app: App) -> None:
    """Register every message action listener."""
    governance.register(app)
    reminders.register(app)
