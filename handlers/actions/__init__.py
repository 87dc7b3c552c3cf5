"""Button (block_actions) listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import escalations


def register(app: App) -> None:
    """Register every button listener."""
    escalations.register(app)
