"""Renderers of a workflow's channel canvas (and of the messages that stand in for it where
canvases are refused), built from the database at the moment the outbox sends them."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from cadence.canvas import refresh
from cadence.canvas.content import CanvasContent, gather
from cadence.canvas.markdown import build_markdown, canvas_title
from cadence.governance import queries as governance_queries
from cadence.governance import settings
from handlers.blocks.escalation_map import (
    build_escalation_map,
    map_notes,
    map_text,
    standing_line,
)
from handlers.blocks.governance import build_decision_log
from handlers.blocks.kpi import build_kpi_blocks
from storage.models import ChannelCanvas, Workflow


def _taken(db: Session, args: dict[str, Any], status: str) -> tuple[ChannelCanvas, Workflow] | None:
    """Lower the refresh flag (the render's first write), then read; None if moot now."""
    canvas = refresh.take_refresh(db, workflow_id=int(args["workflow_id"]))
    if canvas is None or canvas.status != status:
        return None
    workflow = db.get(Workflow, canvas.workflow_id)
    return None if workflow is None else (canvas, workflow)


def _content(db: Session, workflow: Workflow, default_zone: str) -> CanvasContent:
    zone = settings.load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    return gather(db, workflow=workflow, timezone=zone.timezone)


def _document(content: CanvasContent) -> dict[str, str]:
    return {"type": "markdown", "markdown": build_markdown(content)}


def render_create(db: Session, args: dict[str, Any], *, default_zone: str) -> dict | None:
    """conversations.canvases.create: the channel canvas with the map and log as they are."""
    taken = _taken(db, args, refresh.CREATING)
    if taken is None:
        return None
    canvas, workflow = taken
    return {
        "channel_id": canvas.channel_id,
        "title": canvas_title(workflow.name),
        "document_content": _document(_content(db, workflow, default_zone)),
    }


def render_edit(db: Session, args: dict[str, Any], *, default_zone: str) -> dict | None:
    """canvases.edit: replace the whole canvas with the map and log as they are now."""
    taken = _taken(db, args, refresh.LIVE)
    if taken is None or not taken[0].canvas_id:
        return None
    canvas, workflow = taken
    change = {"operation": "replace", "document_content": _document(
        _content(db, workflow, default_zone))}  # fmt: skip
    return {"canvas_id": canvas.canvas_id, "changes": [change]}


def render_rename(db: Session, args: dict[str, Any]) -> dict | None:
    """canvases.edit `rename`: the live canvas's title, from the workflow's name now (one
    operation per call, so apart from the refresh; it leaves the refresh flag alone)."""
    query = select(ChannelCanvas).where(ChannelCanvas.workflow_id == int(args["workflow_id"]))
    canvas = db.exec(query.execution_options(populate_existing=True)).first()
    if canvas is None or canvas.status != refresh.LIVE or not canvas.canvas_id:
        return None
    workflow = db.get(Workflow, canvas.workflow_id)
    if workflow is None:
        return None
    title = {"type": "markdown", "markdown": canvas_title(workflow.name)}
    return {"canvas_id": canvas.canvas_id,
            "changes": [{"operation": "rename", "title_content": title}]}  # fmt: skip


def render_fallback_map(db: Session, args: dict[str, Any], *, default_zone: str) -> dict | None:
    """Where canvases are refused: the escalation map as a message (the `/cadence map` one,
    with the council's confirmation of the rights and the KPI tree)."""
    taken = _taken(db, args, refresh.REFUSED)
    if taken is None:
        return None
    _canvas, workflow = taken
    content = _content(db, workflow, default_zone)
    notes = map_notes(content.extras)
    confirmed = standing_line(content.confirmation, content.timezone)
    kpi = build_kpi_blocks(content.kpi) if content.kpi is not None else None
    return {
        "channel": workflow.channel_id,
        "text": map_text(content.map),
        "blocks": build_escalation_map(content.map, notes=notes, confirmed=confirmed, kpi=kpi),
    }


def render_fallback_log(db: Session, args: dict[str, Any], *, default_zone: str) -> dict | None:
    """Where canvases are refused: the decision log as a message (the `/cadence decisions`
    one)."""
    taken = _taken(db, args, refresh.REFUSED)
    if taken is None:
        return None
    _canvas, workflow = taken
    zone = settings.load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    entries = governance_queries.decision_log(db, workflow_id=int(args["workflow_id"]))
    return {
        "channel": workflow.channel_id,
        "text": f"Decision log: {workflow.name}",
        "blocks": build_decision_log(workflow, entries, zone.timezone),
    }
