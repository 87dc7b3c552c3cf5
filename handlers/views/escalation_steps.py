"""Submission of the Resolve and Hand off forms opened from an escalation's buttons."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError
from cadence.escalations import lifecycle, queries
from cadence.escalations.lifecycle import Step
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import INPUT_ACTION, EscalationField, EscalationView
from handlers.middleware import unit_of_work
from handlers.people import require_person
from storage.models import Escalation


def _escalation(db: Session, body: dict[str, Any], view: dict[str, Any]) -> Escalation:
    number = int(json.loads(view.get("private_metadata") or "{}").get("escalation_id", 0))
    return queries.get_escalation(db, team_id=body["team"]["id"], number=number)


def _value(view: dict[str, Any], block: EscalationField, key: str = "value") -> Any:
    return view["state"]["values"].get(block, {}).get(INPUT_ACTION, {}).get(key)


def _finish(ack: Ack, db: Session, step: Step, block: EscalationField) -> None:
    """Save (a refusal too: it is evidence), then answer in the form."""
    db.commit()
    if step.refused:
        ack(response_action="errors", errors={block: modal_error(step.message)})
        return
    title = f"Escalation #{step.escalation.id}"
    ack(response_action="update", view=build_done_modal(title, step.message))


@unit_of_work
def handle_resolve_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> None:
    """Resolve with the note, unless someone else now holds it."""
    escalation = _escalation(db, body, view)
    try:
        step = lifecycle.resolve(
            db,
            escalation=escalation,
            actor=body["user"]["id"],
            note=_value(view, EscalationField.NOTE) or "",
        )
    except CadenceError as error:
        ack(
            response_action="errors", errors={EscalationField.NOTE: modal_error(error.user_message)}
        )
        return
    _finish(ack, db, step, EscalationField.NOTE)


@unit_of_work
def handle_hand_off_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> None:
    """Hand it to the chosen person with the reason: an explicit transfer of authority."""
    escalation = _escalation(db, body, view)
    fields = {"person": EscalationField.PERSON, "reason": EscalationField.REASON}
    try:
        person = require_person(client, _value(view, EscalationField.PERSON, "selected_user") or "")
        step = lifecycle.hand_off(
            db,
            escalation=escalation,
            actor=body["user"]["id"],
            to=person,
            reason=_value(view, EscalationField.REASON) or "",
        )
    except CadenceError as error:
        block = fields.get(error.field or "", EscalationField.PERSON)
        ack(response_action="errors", errors={block: modal_error(error.user_message)})
        return
    _finish(ack, db, step, EscalationField.PERSON)


def register(app: App) -> None:
    """Register the Resolve and Hand off form listeners."""
    app.view(EscalationView.RESOLVE)(handle_resolve_submission)
    app.view(EscalationView.HAND_OFF)(handle_hand_off_submission)
