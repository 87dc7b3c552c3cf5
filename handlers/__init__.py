"""Slack listeners, one module per surface; nothing here holds domain rules."""

from __future__ import annotations

from slack_bolt import App

# Imported for what they register: renderers (used by the outbox deliverer) and sub-commands.
from handlers import actions, commands, errors, events, governance_renderers, views  # noqa: F401
from handlers.commands import governance as governance_commands  # noqa: F401


def register(app: App) -> None:
    """Register every listener and the error handler."""
    errors.register(app)
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
