"""Slack listeners, one module per surface; nothing here holds domain rules."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from handlers import actions, commands, errors, events, fallbacks, views

# Every listener family, registered in this order: the error handler first, the catch-alls for
# unknown buttons and forms last (bolt runs the first listener that matches).
LISTENERS: tuple[Callable[[App], None], ...] = (
    errors.register,
    commands.register,
    views.register,
    actions.register,
    events.register,
    fallbacks.register,
)


def register(app: App) -> None:
    """Register every listener and the error handler (the renderers are a table of their own:
    handlers.renderers.build_renderers)."""
    for register_family in LISTENERS:
        register_family(app)
