"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.views import (
    decision_modal,
    escalation_modal,
    escalation_steps,
    gap_note_modal,
    guardrail_forms,
    kpi_modal,
    owner_modal,
    rights_modal,
    scorecard_modal,
    triggers_modal,
)


def register(app: App) -> None:
    """Register every modal's submission listener."""
    owner_modal.register(app)
    rights_modal.register(app)
    decision_modal.register(app)
    scorecard_modal.register(app)
    triggers_modal.register(app)
    escalation_modal.register(app)
    escalation_steps.register(app)
    guardrail_forms.register(app)
    gap_note_modal.register(app)
    kpi_modal.register(app)
