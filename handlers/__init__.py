"""Slack listeners, one module per surface; nothing here holds domain rules."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, errors, events, views


def register(app: App) -> None:
    """Register every listener and the error handler."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    events.register(app)
    actions.register(app)
