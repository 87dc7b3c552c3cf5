"""Submission of the decision-rights editor."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import queries, rights, workflows
from cadence.accountability.queries import RightsMap
from cadence.errors import CadenceError
from cadence.vocabulary import DecisionPoint, Duty
from handlers.blocks.kit import escape
from handlers.blocks.modals import NOBODY, build_done_modal, modal_error
from handlers.ids import View, rights_block_id
from handlers.payloads import field_state, metadata_id, selected, selected_values
from handlers.people import require_person
from handlers.unit_of_work import FormErrors, Reply, unit_of_work


def read_rights(view: dict[str, Any]) -> RightsMap:
    """The map as submitted; duties missing from the form are left out (unchanged)."""
    wanted: RightsMap = {}
    for point in DecisionPoint:
        for duty in Duty:
            block_id = rights_block_id(point, duty)
            if not field_state(view, block_id):
                continue
            parties = selected_values(view, block_id)
            if parties is None:
                chosen = selected(view, block_id)
                parties = [chosen] if chosen not in (None, NOBODY) else []
            wanted.setdefault(point, {})[duty] = parties
    return wanted


@unit_of_work
def handle_rights_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Save the changed duties, then confirm in the modal."""
    workflow_id = metadata_id(view, "workflow_id")
    workflow = workflows.live_workflow(db, workflow_id=workflow_id, team_id=body["team"]["id"])
    first_block = rights_block_id(DecisionPoint.MODEL_CHANGE, Duty.RECOMMENDS)
    if workflow is None:
        raise FormErrors({first_block: "This workflow no longer exists."})
    try:
        changes = rights.update_rights(
            db,
            workflow=workflow,
            owners=queries.current_owners(db, workflow_id=workflow_id),
            wanted=read_rights(view),
            actor=require_person(client, body["user"]["id"]),
        )
    except CadenceError as error:
        raise FormErrors({first_block: modal_error(error.user_message)}) from error
    if not changes:
        text = f"Nothing changed in the decision rights of *{escape(workflow.name)}*."
    else:
        lines = "\n".join(f"• {escape(rights.describe_change(c))}" for c in changes[:20])
        text = (
            f":white_check_mark: Saved {len(changes)} change(s) to *{escape(workflow.name)}*:\n"
            + lines
        )
    return Reply(view_update=build_done_modal("Decision rights", text))


def register(app: App) -> None:
    """Register the editor's submission listener."""
    app.view(View.RIGHTS)(handle_rights_submission)
