"""Submission of the Resolve and Hand off forms opened from an escalation's buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError, InvalidInput
from cadence.escalations import lifecycle, queries
from cadence.escalations.lifecycle import Step
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import EscalationField, EscalationView
from handlers.payloads import metadata_id, selected, text_input
from handlers.people import require_person
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Escalation


def _escalation(db: Session, body: dict[str, Any], view: dict[str, Any]) -> Escalation:
    number = metadata_id(view, "escalation_id")
    return queries.get_escalation(db, team_id=body["team"]["id"], number=number)


def _finish(step: Step, block: EscalationField) -> Reply:
    """Answer in the form once saved (a refusal is saved too: it is evidence)."""
    if step.refused:
        return Reply(view_errors={block: modal_error(step.message)})
    title = f"Escalation #{step.escalation.id}"
    return Reply(view_update=build_done_modal(title, step.message))


@unit_of_work
def handle_resolve_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Resolve with the note, unless someone else now holds it."""
    escalation = _escalation(db, body, view)
    try:
        step = lifecycle.resolve(
            db,
            escalation=escalation,
            actor=body["user"]["id"],
            note=text_input(view, EscalationField.NOTE) or "",
        )
    except CadenceError as error:
        raise FormErrors({EscalationField.NOTE: modal_error(error.user_message)}) from error
    return _finish(step, EscalationField.NOTE)


@unit_of_work
def handle_hand_off_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Hand it to the chosen person with the reason: an explicit transfer of authority."""
    escalation = _escalation(db, body, view)
    fields = {"person": EscalationField.PERSON, "reason": EscalationField.REASON}
    try:
        chosen = selected(view, EscalationField.PERSON, "selected_user")
        if chosen is None:
            raise InvalidInput("Pick the person to hand it to.", field="person")
        person = require_person(client, chosen)
        step = lifecycle.hand_off(
            db,
            escalation=escalation,
            actor=body["user"]["id"],
            to=person,
            reason=text_input(view, EscalationField.REASON) or "",
        )
    except CadenceError as error:
        block = fields.get(error.field or "", EscalationField.PERSON)
        raise FormErrors({block: modal_error(error.user_message)}) from error
    return _finish(step, EscalationField.PERSON)


def register(app: App) -> None:
    """Register the Resolve and Hand off form listeners."""
    app.view(EscalationView.RESOLVE)(handle_resolve_submission)
    app.view(EscalationView.HAND_OFF)(handle_hand_off_submission)
