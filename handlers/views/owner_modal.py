"""Submission of the /owner form."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import owners
from cadence.errors import CadenceError
from cadence.vocabulary import OwnerRole
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import INPUT_ACTION, OwnerField, View
from handlers.people import require_person
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Workflow

FIELD_BLOCKS = {"person": OwnerField.PERSON, "stage": OwnerField.STAGE}


class OwnerForm(BaseModel):
    """What the form holds once Slack has sent it."""

    workflow_id: int
    role: OwnerRole
    stage: str | None
    user_id: str

    @classmethod
    def from_state(cls, values: dict[str, Any]) -> OwnerForm:
        """Read the submitted state values."""

        def field(block: OwnerField) -> dict[str, Any]:
            return values.get(block, {}).get(INPUT_ACTION, {})

        return cls(
            workflow_id=int(field(OwnerField.WORKFLOW)["selected_option"]["value"]),
            role=OwnerRole(field(OwnerField.ROLE)["selected_option"]["value"]),
            stage=field(OwnerField.STAGE).get("value") or None,
            user_id=field(OwnerField.PERSON)["selected_user"],
        )


@unit_of_work
def handle_owner_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Assign the owner, or show what's wrong next to the field; save before confirming."""
    form = OwnerForm.from_state(view["state"]["values"])
    team_id = body["team"]["id"]
    workflow = db.get(Workflow, form.workflow_id)
    if workflow is None or workflow.team_id != team_id or workflow.archived_at is not None:
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
