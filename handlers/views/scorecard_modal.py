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
from cadence.kpi import store
from cadence.kpi import values as kpi
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.governance_modals import scorecard_fields
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import KPI_VALUE_PREFIX, View, scorecard_block_id
from handlers.payloads import STALE_FORM, form_metadata, metadata_id, parse_id, text_input
from handlers.unit_of_work import FormErrors, Reply, unit_of_work
from storage.models import Workflow, pk


def read_values(view: dict[str, Any]) -> dict[ScorecardMetric, str | None]:
    """The typed text of each measure, by measure."""
    return {metric: text_input(view, block_id) for block_id, metric in scorecard_fields().items()}


def report_week(view: dict[str, Any]) -> date:
    """The week the form reports on, as Cadence wrote it in private_metadata."""
    try:
        return date.fromisoformat(str(form_metadata(view).get("week_start")))
    except ValueError:
        raise InvalidInput(STALE_FORM) from None


def read_kpi_values(
    db: Session, view: dict[str, Any], workflow: Workflow, errors: dict[str, str]
) -> dict[int, float | None]:
    """The KPI tree leaf values the form carries, by node id; bad ones go into `errors`."""
    nodes = {pk(n): n for n in store.current_nodes(db, workflow_id=pk(workflow))}
    values: dict[int, float | None] = {}
    for block in view.get("blocks") or []:
        block_id = str(block.get("block_id") or "")
        node_id = parse_id(block_id.removeprefix(KPI_VALUE_PREFIX))
        if not block_id.startswith(KPI_VALUE_PREFIX) or node_id is None:
            continue
        if node_id not in nodes:
            errors[block_id] = "This node left the KPI tree; close the form and open it again."
            continue
        try:
            values[node_id] = kpi.parse_kpi_value(nodes[node_id], text_input(view, block_id))
        except CadenceError as error:
            errors[block_id] = modal_error(error.user_message)
    return values


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
    kpi_values = read_kpi_values(db, view, workflow, errors)
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
        changed_kpis = kpi.report_kpi_values(
            db,
            workflow=workflow,
            week_start=week,
            values=kpi_values,
            actor_id=body["user"]["id"],
            default_zone=default_zone,
        )
    except CadenceError as error:
        raise FormErrors({first_block: modal_error(error.user_message)}) from error
    saved = len(changed) + len(changed_kpis)
    what = (
        f"Saved {saved} measure(s)" if saved else "Nothing changed"
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
