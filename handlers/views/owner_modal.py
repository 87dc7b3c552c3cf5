"""Submission of the /owner form."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import owners, workflows
from cadence.errors import CadenceError
from cadence.vocabulary import OwnerRole
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import OwnerField, View
from handlers.payloads import parse_id, selected, text_input
from handlers.people import require_person
from handlers.unit_of_work import FormErrors, Reply, unit_of_work

FIELD_BLOCKS = {"person": OwnerField.PERSON, "stage": OwnerField.STAGE}


class OwnerForm(BaseModel):
    """What the form holds once Slack has sent it."""

    workflow_id: int
    role: OwnerRole
    stage: str | None
    user_id: str

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> OwnerForm:
        """Read the submitted state; what is missing or not an option is shown by its field."""
        workflow_id = parse_id(selected(view, OwnerField.WORKFLOW))
        role = selected(view, OwnerField.ROLE)
        user_id = selected(view, OwnerField.PERSON, "selected_user")
        errors = {
            block: message
            for block, message, missing in (
                (OwnerField.WORKFLOW, "Pick a workflow.", workflow_id is None),
                (OwnerField.ROLE, "Pick a role.", role not in OwnerRole.__members__.values()),
                (OwnerField.PERSON, "Pick a person.", user_id is None),
            )
            if missing
        }
        if errors:
            raise FormErrors(errors)
        return cls(
            workflow_id=workflow_id or 0,
            role=OwnerRole(role or ""),
            stage=text_input(view, OwnerField.STAGE),
            user_id=user_id or "",
        )


@unit_of_work
def handle_owner_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Assign the owner, or show what's wrong next to the field; save before confirming."""
    form = OwnerForm.from_view(view)
    team_id = body["team"]["id"]
    workflow = workflows.live_workflow(db, workflow_id=form.workflow_id, team_id=team_id)
    if workflow is None:
        raise FormErrors({OwnerField.WORKFLOW: "That workflow is gone."})
    try:
        result = owners.assign_owner(
            db,
            workflow=workflow,
            role=form.role,
            person=require_person(client, form.user_id),
            actor=require_person(client, body["user"]["id"]),
            stage=form.stage,
        )
    except CadenceError as error:
        block = FIELD_BLOCKS.get(error.field or "", OwnerField.WORKFLOW)
        raise FormErrors({block: modal_error(error.user_message)}) from error
    what = f"{owners.role_phrase(form.role, result.assignment.stage)} of *{escape(workflow.name)}*"
    text = (
        f":white_check_mark: <@{form.user_id}> is now the {what}."
        if result.changed
        else f"<@{form.user_id}> was already the {what}; nothing changed."
    )
    return Reply(view_update=build_done_modal("Owner assigned", text))


def register(app: App) -> None:
    """Register the form's submission listener."""
    app.view(View.OWNER)(handle_owner_submission)
