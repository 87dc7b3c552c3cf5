"""The KPI tree's Show all button: the whole tree, privately, for whoever clicks it."""

from __future__ import annotations

from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import InvalidInput
from cadence.kpi.view import read_kpi_tree
from handlers.blocks.kpi import build_kpi_message
from handlers.ids import ActionId
from handlers.payloads import STALE_BUTTON, button_text, parse_id
from handlers.unit_of_work import Reply, unit_of_work
from storage.models import pk


def parse_show_all(value: str) -> tuple[int, date]:
    """(workflow id, week) from the button's value 'ID:YYYY-MM-DD'; InvalidInput otherwise."""
    raw_id, _, raw_week = value.partition(":")
    workflow_id = parse_id(raw_id)
    try:
        week = date.fromisoformat(raw_week)
    except ValueError:
        week = None
    if workflow_id is None or week is None:
        raise InvalidInput(STALE_BUTTON)
    return workflow_id, week


@unit_of_work
def handle_kpi_show_all(ack: Ack, body: dict[str, Any], client: WebClient, db: Session) -> Reply:
    """Answer the clicker privately with every node of the tree, as of the week shown."""
    ack()
    workflow_id, week = parse_show_all(button_text(body))
    workflow = workflows.live_workflow(db, workflow_id=workflow_id, team_id=body["team"]["id"])
    if workflow is None:
        raise InvalidInput("That workflow no longer exists.")
    tree = read_kpi_tree(db, workflow_id=pk(workflow), week_start=week)
    if tree is None:
        return Reply(f"*{workflow.name}* has no KPI tree any more.")
    return Reply(f"KPI tree: {workflow.name}", blocks=build_kpi_message(workflow.name, tree))


def register(app: App) -> None:
    """Register the Show all button."""
    app.action(ActionId.KPI_SHOW_ALL)(handle_kpi_show_all)
