"""Renderers of an escalation's DMs and channel notice, redrawn after every step."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from cadence.escalations import queries
from cadence.reminders.working_hours import workspace_timezone
from handlers.blocks.escalations import build_escalation_message
from handlers.blocks.guardrails import build_council_note


def render_escalation_dm(
    db: Session, args: dict[str, Any], *, default_zone: str
) -> dict[str, Any] | None:
    """The DM to one person, with buttons while it is theirs to act on."""
    user = str(args["user"])
    card = queries.card(db, escalation_id=int(args["escalation_id"]), viewer=user)
    if card is None:
        return None
    zone = workspace_timezone(db, team_id=card.escalation.team_id, default=default_zone)
    return {"channel": user, **build_escalation_message(card, zone)}


def render_escalation_notice(
    db: Session, args: dict[str, Any], *, default_zone: str
) -> dict[str, Any] | None:
    """The notice in the workflow's governance channel."""
    card = queries.card(db, escalation_id=int(args["escalation_id"]), viewer=None)
    if card is None:
        return None
    zone = workspace_timezone(db, team_id=card.escalation.team_id, default=default_zone)
    return {"channel": card.workflow.channel_id, **build_escalation_message(card, zone)}


def render_council_note(
    db: Session, args: dict[str, Any], *, default_zone: str
) -> dict[str, Any] | None:
    """A council member's note about an escalation on a high-risk workflow (with *Reviewed*
    while the review is needed)."""
    user = str(args["user"])
    card = queries.card(db, escalation_id=int(args["escalation_id"]), viewer=user)
    if card is None:
        return None
    return {"channel": user, **build_council_note(card)}
