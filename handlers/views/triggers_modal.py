"""Submission of the risk-review triggers modal: every row checked before ack, then saved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import CadenceError
from cadence.governance import risk_review, triggers
from cadence.vocabulary import ScorecardMetric, TriggerDirection
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.blocks.triggers import read_rows
from handlers.ids import View, trigger_block_id
from handlers.payloads import metadata_id
from handlers.unit_of_work import FormErrors, Reply, unit_of_work


@unit_of_work
def handle_triggers_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Validate every row (all errors at once), save, check the current values, confirm."""
    workflow = workflows.live_workflow(
        db, workflow_id=metadata_id(view, "workflow_id"), team_id=body["team"]["id"]
    )
    first = trigger_block_id(ScorecardMetric.THROUGHPUT, "direction")
    if workflow is None:
        raise FormErrors({first: "This workflow no longer exists."})
    wanted: dict[ScorecardMetric, triggers.Rule | None] = {}
    errors: dict[str, str] = {}
    for metric, (direction, text) in read_rows(view).items():
        if direction is not None and direction not in TriggerDirection.__members__.values():
            errors[trigger_block_id(metric, "direction")] = "Pick a direction."
            continue
        try:
            chosen = TriggerDirection(direction) if direction else None
            wanted[metric] = triggers.parse_threshold(metric, chosen, text)
        except CadenceError as error:
            part = (error.field or "").rsplit(":", 1)[-1] or "threshold"
            errors[trigger_block_id(metric, part)] = modal_error(error.user_message)
    if errors:
        raise FormErrors(errors)
    try:
        changes, started = risk_review.save_triggers(
            db,
            workflow=workflow,
            actor_id=body["user"]["id"],
            wanted=wanted,
            default_zone=default_zone,
        )
    except CadenceError as error:
        raise FormErrors({first: modal_error(error.user_message)}) from error
    lines = [f"Risk-review triggers of *{escape(workflow.name)}*:"]
    lines += [f"• {escape(c)}" for c in changes] or ["Nothing changed."]
    lines += [
        f":rotating_light: {escape(s.phrase).capitalize()}: a risk review is open in "
        f"<#{workflow.channel_id}>, and the owners were told."
        for s in started
    ]
    return Reply(view_update=build_done_modal("Risk-review triggers", "\n".join(lines)))


def register(app: App) -> None:
    """Register the triggers modal's submission listener."""
    app.view(View.TRIGGERS)(handle_triggers_submission)
