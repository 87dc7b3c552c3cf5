"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import cadence, escalate, owner


def register(app: App) -> None:
    """Register every slash command."""
    cadence.register(app)
    owner.register(app)
    escalate.register(app)
