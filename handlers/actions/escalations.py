"""The buttons on escalation messages: acknowledge, resolve, hand off."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.escalations import lifecycle, queries
from handlers.blocks.escalation_modals import build_hand_off_modal, build_resolve_modal
from handlers.ids import EscalationAction
from handlers.payloads import button_id
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import Escalation, pk


def _target(db: Session, body: dict[str, Any]) -> tuple[Escalation, str]:
    """The escalation a button names, and who clicked it."""
    number = button_id(body)
    escalation = queries.get_escalation(db, team_id=body["team"]["id"], number=number)
    return escalation, body["user"]["id"]


@unit_of_work
def handle_acknowledge(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Acknowledge, or say why not; a second click changes nothing."""
    ack()
    escalation, actor = _target(db, body)
    step = lifecycle.acknowledge(db, escalation=escalation, actor=actor)
    return Reply(step.message)


@unit_of_work
def handle_resolve_button(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Open the form asking for the resolution note (refuse at once if they may not)."""
    ack()
    return _step_form(db, body, "resolve", build_resolve_modal)


@unit_of_work
def handle_hand_off_button(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Open the form asking whom to hand it to, and why."""
    ack()
    return _step_form(db, body, "hand off", build_hand_off_modal)


def _step_form(
    db: Session, body: dict[str, Any], verb: str, build: Callable[[int, str, str], dict[str, Any]]
) -> Reply:
    """Answer at once when the person may not act (or it is moot), else open the step's form."""
    escalation, actor = _target(db, body)
    early = lifecycle.early_answer(db, escalation, actor, verb)
    if early is not None:
        return Reply(early.message)  # a refusal is recorded: it is committed with the answer
    metadata = json.dumps({"escalation_id": escalation.id})
    return Reply(modal=build(pk(escalation), escalation.summary, metadata))


def register(app: App) -> None:
    """Register the escalation buttons."""
    app.action(EscalationAction.ACKNOWLEDGE)(handle_acknowledge)
    app.action(EscalationAction.RESOLVE)(handle_resolve_button)
    app.action(EscalationAction.HAND_OFF)(handle_hand_off_button)
