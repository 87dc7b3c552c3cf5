"""The buttons on escalation messages, and the renderers that draw those messages."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.escalations import lifecycle, queries
from cadence.escalations import messages as escalation_messages
from handlers.blocks.escalation_modals import build_hand_off_modal, build_resolve_modal
from handlers.blocks.escalations import build_escalation_message
from handlers.ids import EscalationAction
from handlers.middleware import unit_of_work
from handlers.renderers import renderer
from storage.models import Escalation, WorkspaceSettings


def _target(db: Session, body: dict[str, Any]) -> tuple[Escalation, str]:
    """The escalation a button names, and who clicked it."""
    number = int(body["actions"][0].get("value") or 0)
    escalation = queries.get_escalation(db, team_id=body["team"]["id"], number=number)
    return escalation, body["user"]["id"]


def _say(respond: Respond, text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


@unit_of_work
def handle_acknowledge(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, db: Session
) -> None:
    """Acknowledge, or say why not; a second click changes nothing."""
    ack()
    escalation, actor = _target(db, body)
    step = lifecycle.acknowledge(db, escalation=escalation, actor=actor)
    db.commit()
    _say(respond, step.message)


@unit_of_work
def handle_resolve_button(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, db: Session
) -> None:
    """Open the form asking for the resolution note (refuse at once if they may not)."""
    ack()
    _open_step_form(db, body, respond, client, "resolve", build_resolve_modal)


@unit_of_work
def handle_hand_off_button(
    ack: Ack, body: dict[str, Any], respond: Respond, client: WebClient, db: Session
) -> None:
    """Open the form asking whom to hand it to, and why."""
    ack()
    _open_step_form(db, body, respond, client, "hand off", build_hand_off_modal)


def _open_step_form(
    db: Session,
    body: dict[str, Any],
    respond: Respond,
    client: WebClient,
    verb: str,
    build: Callable[[int, str, str], dict[str, Any]],
) -> None:
    """Answer at once when the person may not act (or it is moot), else open the step's form."""
    escalation, actor = _target(db, body)
    early = lifecycle.early_answer(db, escalation, actor, verb)
    if early is not None:
        db.commit()
        _say(respond, early.message)
        return
    metadata = json.dumps({"escalation_id": escalation.id})
    view = build(escalation.id or 0, escalation.summary, metadata)
    client.views_open(trigger_id=body["trigger_id"], view=view)


def _timezone(db: Session, team_id: str) -> str:
    settings = db.get(WorkspaceSettings, team_id)
    return settings.timezone if settings is not None else "UTC"


@renderer(escalation_messages.DM_RENDERER)
def render_escalation_dm(db: Session, args: dict[str, Any]) -> dict[str, Any] | None:
    """The DM to one person, with buttons while it is theirs to act on."""
    user = str(args["user"])
    card = queries.card(db, escalation_id=int(args["escalation_id"]), viewer=user)
    if card is None:
        return None
    message = build_escalation_message(card, _timezone(db, card.escalation.team_id))
    return {"channel": user, **message}


@renderer(escalation_messages.NOTICE_RENDERER)
def render_escalation_notice(db: Session, args: dict[str, Any]) -> dict[str, Any] | None:
    """The notice in the workflow's governance channel."""
    card = queries.card(db, escalation_id=int(args["escalation_id"]), viewer=None)
    if card is None:
        return None
    message = build_escalation_message(card, _timezone(db, card.escalation.team_id))
    return {"channel": card.workflow.channel_id, **message}


def register(app: App) -> None:
    """Register the escalation buttons."""
    app.action(EscalationAction.ACKNOWLEDGE)(handle_acknowledge)
    app.action(EscalationAction.RESOLVE)(handle_resolve_button)
    app.action(EscalationAction.HAND_OFF)(handle_hand_off_button)
