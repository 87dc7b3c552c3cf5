"""Slack listeners, one module per surface; nothing here holds domain rules."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, errors, events, reminder_renderer, views

# Modules whose renderers the outbox deliverer calls; importing them registers the renderers.
RENDERER_MODULES = (reminder_renderer,)


def register(app: App) -> None:
    """Register every listener and the error handler (renderers register on import)."""
    errors.register(app)
    commands.register(app)
    views.register(app)
    actions.register(app)
    events.register(app)
