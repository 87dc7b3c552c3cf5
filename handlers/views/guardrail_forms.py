"""Submission of the council's review form and of the form that skips a low-risk week."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError
from cadence.escalations import guardrails, queries
from cadence.governance import skips
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import EscalationField, EscalationView, GovernanceBlock, View
from handlers.payloads import metadata_id, text_input
from handlers.unit_of_work import FormErrors, Reply, unit_of_work


def _text(view: dict[str, Any], block: str) -> str:
    return text_input(view, block) or ""


@unit_of_work
def handle_council_review_submission(
    ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient, db: Session
) -> Reply:
    """Record the council's review with its note; the owner may then resolve."""
    number = metadata_id(view, "escalation_id")
    try:
        escalation = queries.get_escalation(db, team_id=body["team"]["id"], number=number)
        message = guardrails.record_review(
            db, escalation=escalation, actor=body["user"]["id"],
            note=_text(view, EscalationField.NOTE),
        )  # fmt: skip
    except CadenceError as error:
        raise FormErrors({EscalationField.NOTE: modal_error(error.user_message)}) from error
    return Reply(view_update=build_done_modal(f"Review #{number}", message))


@unit_of_work
def handle_skip_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Record the week as skipped, with the reason."""
    try:
        skips.skip_week(
            db,
            session_id=metadata_id(view, "session_id"),
            team_id=body["team"]["id"],
            actor_id=body["user"]["id"],
            reason=_text(view, GovernanceBlock.SKIP_REASON),
            default_zone=default_zone,
        )
    except CadenceError as error:
        raise FormErrors({GovernanceBlock.SKIP_REASON: modal_error(error.user_message)}) from error
    done = ":fast_forward: Skipped this week; the reason is in the thread and the decision log."
    return Reply(view_update=build_done_modal("Skip this week", done))


def register(app: App) -> None:
    """Register the review and skip forms' submissions."""
    app.view(EscalationView.COUNCIL_REVIEW)(handle_council_review_submission)
    app.view(View.SKIP_WEEK)(handle_skip_submission)
