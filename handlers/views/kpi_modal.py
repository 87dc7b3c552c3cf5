"""Submission of the KPI tree modal: the tree and its links checked before ack, then saved."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import CadenceError
from cadence.governance.triggers import SPECS
from cadence.kpi import links as kpi_links
from cadence.kpi import store
from cadence.kpi.tree import NodeSpec, parse_tree
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.kit import escape
from handlers.blocks.modals import build_done_modal, modal_error
from handlers.ids import KPI_TREE_BLOCK, View, kpi_link_block_id
from handlers.payloads import metadata_id, text_input
from handlers.unit_of_work import FormErrors, Reply, unit_of_work


def read_links(view: dict[str, Any]) -> dict[ScorecardMetric, str | None]:
    """The node name typed for each scorecard metric."""
    return {metric: text_input(view, kpi_link_block_id(metric)) for metric in SPECS}


def _block_of(field: str | None) -> str:
    """The form block an error's field points at (the tree field unless it names a link)."""
    if field and field.startswith("link:"):
        return kpi_link_block_id(field.removeprefix("link:"))
    return KPI_TREE_BLOCK


@unit_of_work
def handle_kpi_submission(
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    db: Session,
    default_zone: str,
) -> Reply:
    """Check the tree and every link (all errors at once), save, and confirm in the modal."""
    workflow = workflows.live_workflow(
        db, workflow_id=metadata_id(view, "workflow_id"), team_id=body["team"]["id"]
    )
    if workflow is None:
        raise FormErrors({KPI_TREE_BLOCK: "This workflow no longer exists."})
    errors: dict[str, str] = {}
    specs: list[NodeSpec] = []
    try:
        specs = parse_tree(text_input(view, KPI_TREE_BLOCK))
    except CadenceError as error:
        errors[KPI_TREE_BLOCK] = modal_error(error.user_message)
    typed = read_links(view)
    if not errors:
        for metric, message in kpi_links.link_problems(typed, specs).items():
            errors[kpi_link_block_id(metric)] = modal_error(message)
    if errors:
        raise FormErrors(errors)
    try:
        change = store.save_tree(
            db,
            workflow=workflow,
            specs=specs,
            links=kpi_links.parse_links(typed, specs),
            actor_id=body["user"]["id"],
            default_zone=default_zone,
        )
    except CadenceError as error:
        raise FormErrors({_block_of(error.field): modal_error(error.user_message)}) from error
    lines = [f"KPI tree of *{escape(workflow.name)}*: {len(specs)} node(s)."]
    for verb, names in (("Added", change.added), ("Changed", change.changed),
                        ("Removed", change.removed)):  # fmt: skip
        if names:
            lines.append(f"{verb}: " + ", ".join(escape(n) for n in names))
    for metric, node in change.links.items():
        label = SPECS[ScorecardMetric(metric)].label
        lines.append(f"{label} → {escape(node)}" if node else f"{label}: no longer linked")
    if not change:
        lines.append("Nothing changed.")
    return Reply(view_update=build_done_modal("KPI tree", ":white_check_mark: " + "\n".join(lines)))


def register(app: App) -> None:
    """Register the KPI tree modal's submission listener."""
    app.view(View.KPI)(handle_kpi_submission)
