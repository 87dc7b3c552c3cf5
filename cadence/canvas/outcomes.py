"""What Slack's answers to the canvas calls mean for the canvas: created (remember its id),
refused (post the map and log as messages instead, and tell the owners once how to enable
canvases), deleted by someone (make a new one), or failed for another reason (try again on
the next change)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from cadence import outbox
from cadence.canvas import enable, refresh
from cadence.canvas.refresh import CREATING, LIVE, LOG, MAP, REFUSED
from cadence.outbox import RendererName
from storage.clock import now
from storage.models import ChannelCanvas, OutboxMessage, Workflow

CANVAS_GONE = "canvas_not_found"


def _canvas_of(db: Session, message: OutboxMessage) -> ChannelCanvas | None:
    if not message.idempotency_key.startswith(refresh.KEY_PREFIX):
        return None
    args: dict[str, Any] = message.payload.get("args") or {}
    if "workflow_id" not in args:
        return None
    query = select(ChannelCanvas).where(ChannelCanvas.workflow_id == int(args["workflow_id"]))
    return db.exec(query.execution_options(populate_existing=True)).first()


def record_created(
    db: Session, *, message: OutboxMessage, canvas_id: str, found: bool = False
) -> None:
    """The create call went through, or (`found`) an earlier, unanswered attempt's canvas was
    found in the channel: remember it. A found canvas holds what that attempt rendered, so
    a refresh follows with whatever changed since."""
    canvas = _canvas_of(db, message)
    if canvas is None or message.idempotency_key != refresh.create_key(canvas):
        return
    canvas.canvas_id, canvas.status, canvas.updated_at = canvas_id, LIVE, now()
    db.add(canvas)
    db.flush()
    workflow = db.get(Workflow, canvas.workflow_id)
    if found and workflow is not None:
        refresh.request_refresh(db, workflow=workflow)


def on_failed(db: Session, *, message: OutboxMessage, error: str) -> None:
    """Slack refused a canvas call for good: fall back, start over, or wait for a change."""
    canvas = _canvas_of(db, message)
    if canvas is None or canvas.status == REFUSED:
        return
    workflow = db.get(Workflow, canvas.workflow_id)
    if workflow is None:
        return
    if error in enable.ENABLE_HOW:
        fall_back(db, canvas=canvas, workflow=workflow, error=error)
    elif error == CANVAS_GONE and message.method == refresh.EDIT_METHOD:
        # Someone deleted the canvas: the next round makes a new one, with everything.
        _new_round(db, canvas)
        refresh.queue_create(db, canvas)
    elif message.idempotency_key == refresh.create_key(canvas):
        _new_round(db, canvas)  # the next change tries again (e.g. once the bot is invited)


def fall_back(db: Session, *, canvas: ChannelCanvas, workflow: Workflow, error: str) -> None:
    """Post the map and the log as messages (kept current by later refreshes), and tell each
    owner, once per workflow ever, why and how to enable the canvas. Refused again after a
    retry, the messages posted the first time are brought up to date instead of posted again.
    """
    canvas.status, canvas.refused_error, canvas.updated_at = REFUSED, error[:100], now()
    canvas.refresh_queued = False
    db.add(canvas)
    db.flush()
    posted_before = refresh.existing(db, refresh.fallback_key(canvas, MAP)) is not None
    for part, renderer in ((MAP, RendererName.CANVAS_FALLBACK_MAP),
                           (LOG, RendererName.CANVAS_FALLBACK_LOG)):  # fmt: skip
        outbox.render_message(
            db,
            key=refresh.fallback_key(canvas, part),
            method="chat.postMessage",
            renderer=renderer,
            args={"workflow_id": canvas.workflow_id},
            team_id=canvas.team_id,
        )
    if posted_before:
        refresh.request_refresh(db, workflow=workflow)  # tells the owners too, if need be
    else:
        enable.tell_owners_once(db, canvas=canvas, workflow=workflow)


def retry(db: Session, *, workflow: Workflow) -> str:
    """Start a new round after a refusal (canvases enabled now?); refresh a live canvas."""
    canvas = refresh.lock_canvas(db, workflow=workflow)
    if canvas.status == REFUSED:
        canvas.status, canvas.refused_error, canvas.canvas_id = CREATING, None, None
        _new_round(db, canvas)
        refresh.queue_create(db, canvas)
        return "creating"
    refresh.request_refresh(db, workflow=workflow)
    return canvas.status


def _new_round(db: Session, canvas: ChannelCanvas) -> None:
    canvas.round += 1
    canvas.status, canvas.canvas_id, canvas.refresh_queued = CREATING, None, False
    canvas.updated_at = now()
    db.add(canvas)
    db.flush()
