"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.views import escalation_modal, escalation_steps, owner_modal, rights_modal


def register(app: App) -> None:
    """Register every modal's submission listener."""
    owner_modal.register(app)
    rights_modal.register(app)
    escalation_modal.register(app)
    escalation_steps.register(app)
