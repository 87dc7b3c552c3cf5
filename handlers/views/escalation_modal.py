"""Submission of the /escalate form: store first, then confirm to the reporter."""

from __future__ import annotations

import logging
import re
from typing import Any

from pydantic import BaseModel
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import CadenceError, InvalidInput
from cadence.escalations import messages, raising
from cadence.escalations.raising import Report, Severity
from handlers.blocks.escalation_modals import CONFIDENTIAL, read_kind
from handlers.blocks.modals import modal_error
from handlers.ids import EscalationField, EscalationView
from handlers.payloads import (
    STALE_FORM,
    form_metadata,
    parse_id,
    selected,
    selected_values,
    text_input,
)
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Escalation, Workflow

logger = logging.getLogger(__name__)

CHANNEL_ID = re.compile(r"[CDG][A-Z0-9]{2,30}")

FIELD_BLOCKS = {
    "workflow": EscalationField.WORKFLOW,
    "kind": EscalationField.KIND,
    "summary": EscalationField.SUMMARY,
    "details": EscalationField.DETAILS,
    "link": EscalationField.LINK,
}


class EscalationForm(BaseModel):
    """What the form holds once Slack has sent it."""

    workflow_id: int
    kind: str
    severity: str
    summary: str
    details: str | None
    link: str | None
    confidential: bool = False

    @classmethod
    def from_view(cls, view: dict[str, Any]) -> EscalationForm:
        """Read the submitted state (a workflow that is not an id reads as none)."""
        return cls(
            workflow_id=parse_id(selected(view, EscalationField.WORKFLOW)) or 0,
            kind=selected(view, EscalationField.KIND) or "",
            severity=selected(view, EscalationField.SEVERITY) or Severity.SEV3.value,
            summary=text_input(view, EscalationField.SUMMARY) or "",
            details=text_input(view, EscalationField.DETAILS),
            link=text_input(view, EscalationField.LINK),
            confidential=CONFIDENTIAL
            in (selected_values(view, EscalationField.CONFIDENTIAL) or []),
        )


def source_channel(view: dict[str, Any]) -> str | None:
    """Where /escalate was run, from the form's metadata (None when it is missing or damaged:
    the reporter is then confirmed by DM, and the escalation is stored all the same)."""
    try:
        channel = form_metadata(view).get("channel")
    except InvalidInput:
        return None
    return channel if isinstance(channel, str) and CHANNEL_ID.fullmatch(channel) else None


@unit_of_work
def handle_escalation_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Validate (errors shown inline), store and route once per view, then confirm."""
    form = EscalationForm.from_view(view)
    if not isinstance(view.get("id"), str) or not view["id"]:
        raise InvalidInput(STALE_FORM)
    team_id, user = body["team"]["id"], body["user"]["id"]
    workflow = workflows.live_workflow(db, workflow_id=form.workflow_id, team_id=team_id)
    if workflow is None:
        raise FormErrors({EscalationField.WORKFLOW: "That workflow is gone."})
    try:
        point, matter = raising.kind_of(read_kind(form.kind))
    except ValueError:
        raise FormErrors({EscalationField.KIND: "Pick a decision point."}) from None
    try:
        severity = raising.parse_severity(form.severity)
    except InvalidInput:
        raise FormErrors({EscalationField.SEVERITY: "Pick a severity."}) from None
    report = Report(
        workflow,
        point,
        matter,
        severity,
        form.summary,
        form.details,
        form.link,
        confidential=form.confidential,
    )
    try:
        raised = raising.raise_escalation(
            db,
            report=report,
            raised_by=user,
            source_channel_id=source_channel(view),
            # A double submit or a retried request carries the same view id: one escalation.
            idempotency_key=f"view:{team_id}:{view['id']}",
        )
    except CadenceError as error:
        block = FIELD_BLOCKS.get(error.field or "", EscalationField.SUMMARY)
        raise FormErrors({block: modal_error(error.user_message)}) from error
    if raised.duplicate:
        return Reply()
    return Reply(then=lambda: confirm(db, client, raised.escalation, workflow))


def confirm(db: Session, client: WebClient, escalation: Escalation, workflow: Workflow) -> None:
    """Tell the reporter privately where they ran /escalate; by DM when Slack won't let us."""
    text = messages.confirmation_text(db, escalation, workflow)
    channel = escalation.source_channel_id
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=escalation.raised_by, text=text)
            return
        except SlackApiError as error:
            # not_in_channel, channel_not_found (a DM between other people), or Slack is down.
            logger.info("Confirming #%s by DM: %s", escalation.id, error.response.get("error"))
        except OSError as error:
            logger.info("Confirming #%s by DM: %s", escalation.id, error)
    messages.confirm_by_dm(db, escalation, workflow)


def register(app: App) -> None:
    """Register the form's submission listener."""
    app.view(EscalationView.RAISE)(handle_escalation_submission)
