"""Slack listeners, one module per surface; nothing here holds domain rules."""

from __future__ import annotations

from slack_bolt import App

# Imported for what they register: renderers (used by the outbox deliverer) and sub-commands.
from handlers import (  # noqa: F401
    actions,
    commands,
    errors,
    events,
    evidence_renderers,
    governance_renderers,
    reminder_renderer,
    views,
)
from handlers.commands import governance as governance_commands  # noqa: F401


def register(app: App) -> None:
    """Register every listener and the error handler (renderers register on import)."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
