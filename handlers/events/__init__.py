"""Events API listeners."""

from __future__ import annotations

from slack_bolt import App

from handlers.events import home, installs


def register(app: App) -> None:
    """Register every event listener."""
    home.register(app)
    installs.register(app)
