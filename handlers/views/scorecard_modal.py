"""Submission of the scorecard modal: every field checked before ack, then saved."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.errors import CadenceError
from cadence.governance import scorecard
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.governance_modals import scorecard_fields
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import INPUT_ACTION, View, scorecard_block_id
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Workflow


def read_values(values: dict[str, Any]) -> dict[ScorecardMetric, str | None]:
    """The typed text of each measure, by measure."""
    return {
        metric: (values.get(block_id, {}).get(INPUT_ACTION) or {}).get("value")
        for block_id, metric in scorecard_fields().items()
    }


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
    metadata = json.loads(view.get("private_metadata") or "{}")
    workflow = db.get(Workflow, int(metadata.get("workflow_id", 0)))
    first_block = scorecard_block_id(ScorecardMetric.THROUGHPUT)
    if workflow is None or workflow.team_id != body["team"]["id"] or workflow.archived_at:
        raise FormErrors({first_block: "This workflow no longer exists."})
    parsed: dict[ScorecardMetric, float | None] = {}
    errors: dict[str, str] = {}
    for metric, text in read_values(view["state"]["values"]).items():
        try:
            parsed[metric] = scorecard.parse_value(metric, text)
        except CadenceError as error:
            errors[scorecard_block_id(metric)] = modal_error(error.user_message)
    if errors:
        raise FormErrors(errors)
    week = date.fromisoformat(metadata["week_start"])
    try:
        changed = scorecard.report(
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
    return Reply(view_update=build_done_modal("Scorecard", ":white_check_mark: " + what))


def register(app: App) -> None:
    """Register the scorecard modal's submission listener."""
    app.view(View.SCORECARD)(handle_scorecard_submission)
