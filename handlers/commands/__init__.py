"""Slash-command listeners."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.commands import cadence, escalate, owner
from handlers.ids import Command


def _empty(_body: dict[str, Any]) -> dict[str, Any]:
    return {}


# What each command's ack says, known from the request alone: sent from the request's own
# thread before the listener runs (handlers/middleware.py). /owner and /escalate answer later
# (a form, or at the response URL); /cadence answers help in the ack.
IMMEDIATE_ACKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    Command.CADENCE: cadence.immediate_ack,
    Command.OWNER: _empty,
    Command.ESCALATE: _empty,
}


def register(app: App) -> None:
    """Register every slash command."""
    cadence.register(app)
    owner.register(app)
    escalate.register(app)
