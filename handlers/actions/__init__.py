"""Button and select listeners on messages."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import accountability, escalations, governance, guardrails, kpi, reminders


def register(app: App) -> None:
    """Register every message action listener."""
    escalations.register(app)
    governance.register(app)
    guardrails.register(app)
    kpi.register(app)
    reminders.register(app)
    accountability.register(app)
