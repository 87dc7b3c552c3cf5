"""Submission of the form that acknowledges an ownership gap with a note."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError
from cadence.escalations import gap_notes
from cadence.reset import checklist, lifecycle
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import GovernanceBlock, View
from handlers.payloads import metadata_id, text_input
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Escalation, EscalationEvent


@unit_of_work
def handle_gap_note_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Record the note (once per gap); a running reset of the workflow follows at once."""
    event_id = metadata_id(view, "event_id")
    try:
        message = gap_notes.acknowledge_gap(
            db,
            event_id=event_id,
            team_id=body["team"]["id"],
            actor_id=body["user"]["id"],
            note=text_input(view, GovernanceBlock.GAP_NOTE) or "",
        )
    except CadenceError as error:
        raise FormErrors({GovernanceBlock.GAP_NOTE: modal_error(error.user_message)}) from error
    event = db.get(EscalationEvent, event_id)
    escalation = db.get(Escalation, event.escalation_id) if event is not None else None
    reset = lifecycle.running_for(db, workflow_id=escalation.workflow_id) if escalation else None
    if reset is not None:
        checklist.refresh_if_changed(db, reset=reset, default_zone=default_zone)
    return Reply(view_update=build_done_modal("Gap acknowledged", message))


def register(app: App) -> None:
    """Register the gap note form's submission."""
    app.view(View.GAP_NOTE)(handle_gap_note_submission)
