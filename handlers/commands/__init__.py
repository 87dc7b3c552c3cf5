"""Slash-command listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import cadence


def register(app: App) -> None:
    """Register every slash command."""
    cadence.register(app)
