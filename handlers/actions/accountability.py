"""Buttons of the 30-day reset's evidence: the council confirms a workflow's decision rights on
the map; the outcome owner acknowledges an ownership gap with a note from /cadence gaps."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import confirmations, workflows
from cadence.escalations import gap_notes
from cadence.reset import checklist, lifecycle
from handlers.blocks.governance_forms import build_gap_note_modal
from handlers.ids import ActionId
from handlers.payloads import STALE_BUTTON, button_id
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import pk


@unit_of_work
def handle_confirm_rights(
    ack: Ack, body: dict[str, Any], client: WebClient, db: Session, default_zone: str
) -> Reply:
    """A council member confirms the decision rights shown on the map (others are refused)."""
    ack()
    team_id = body["team"]["id"]
    workflow = workflows.live_workflow(db, workflow_id=button_id(body), team_id=team_id)
    if workflow is None:
        return Reply(STALE_BUTTON)
    message = confirmations.confirm_rights(db, workflow=workflow, actor_id=body["user"]["id"])
    reset = lifecycle.running_for(db, workflow_id=pk(workflow))
    if reset is not None:
        checklist.refresh_if_changed(db, reset=reset, default_zone=default_zone)
    return Reply(message)


@unit_of_work
def handle_acknowledge_gap(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Open the note form for the gap's outcome owner (anyone else is told who can)."""
    ack()
    event, escalation, workflow = gap_notes.acknowledgeable(
        db, event_id=button_id(body), team_id=body["team"]["id"], actor_id=body["user"]["id"]
    )
    return Reply(modal=build_gap_note_modal(pk(event), pk(escalation), workflow.name))


def register(app: App) -> None:
    """Register the confirmation and gap buttons."""
    app.action(ActionId.RIGHTS_CONFIRM)(handle_confirm_rights)
    app.action(ActionId.GAP_ACKNOWLEDGE)(handle_acknowledge_gap)
