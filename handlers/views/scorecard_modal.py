"""Submission of the scorecard modal: every field checked before ack, then saved."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import CadenceError, InvalidInput
from cadence.governance import risk_review, scorecard
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.governance_modals import scorecard_fields
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import View, scorecard_block_id
from handlers.payloads import STALE_FORM, form_metadata, metadata_id, text_input
from handlers.unit_of_work import FormErrors, Reply, unit_of_work


def read_values(view: dict[str, Any]) -> dict[ScorecardMetric, str | None]:
    """The typed text of each measure, by measure."""
    return {metric: text_input(view, block_id) for block_id, metric in scorecard_fields().items()}


def report_week(view: dict[str, Any]) -> date:
    """The week the form reports on, as Cadence wrote it in private_metadata."""
    try:
        return date.fromisoformat(str(form_metadata(view).get("week_start")))
    except ValueError:
        raise InvalidInput(STALE_FORM) from None


@unit_of_work
def handle_scorecard_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Validate every measure (all errors at once), save, and confirm in the modal."""
    workflow = workflows.live_workflow(
        db, workflow_id=metadata_id(view, "workflow_id"), team_id=body["team"]["id"]
    )
    week = report_week(view)
    first_block = scorecard_block_id(ScorecardMetric.THROUGHPUT)
    if workflow is None:
        raise FormErrors({first_block: "This workflow no longer exists."})
    parsed: dict[ScorecardMetric, float | None] = {}
    errors: dict[str, str] = {}
    for metric, text in read_values(view).items():
        try:
            parsed[metric] = scorecard.parse_value(metric, text)
        except CadenceError as error:
            errors[scorecard_block_id(metric)] = modal_error(error.user_message)
    if errors:
        raise FormErrors(errors)
    try:
        changed, started = risk_review.report_scorecard(
            db,
            workflow=workflow,
            week_start=week,
            values=parsed,
            actor_id=body["user"]["id"],
            default_zone=default_zone,
        )
    except CadenceError as error:
        raise FormErrors({first_block: modal_error(error.user_message)}) from error
    what = (
        f"Saved {len(changed)} measure(s)" if changed else "Nothing changed"
    ) + f" in the scorecard of *{escape(workflow.name)}* for the week of {week:%d %b}."
    for breach in started:
        what += (
            f"\n:rotating_light: {escape(breach.phrase).capitalize()}: a risk review is open in "
            f"<#{workflow.channel_id}>, and the owners were told."
        )
    return Reply(view_update=build_done_modal("Scorecard", ":white_check_mark: " + what))


def register(app: App) -> None:
    """Register the scorecard modal's submission listener."""
    app.view(View.SCORECARD)(handle_scorecard_submission)
