"""Modal submission listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.views import decision_modal, owner_modal, rights_modal, scorecard_modal


def register(app: App) -> None:
    """Register every modal's submission listener."""
    owner_modal.register(app)
    rights_modal.register(app)
    decision_modal.register(app)
    scorecard_modal.register(app)
