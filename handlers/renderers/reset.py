"""Renderers of the 30-day reset's messages, built from the database when they are sent."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from cadence.reset import checklist
from cadence.reset.view import reset_view
from handlers.blocks.reset import build_checklist, build_monday_dm, build_summary, checklist_text

Rendered = dict[str, Any] | None


def render_checklist(db: Session, args: dict[str, Any]) -> Rendered:
    """The checklist message as the data has it now (its first post, or a redraw)."""
    view = reset_view(db, reset_id=int(args["reset_id"]))
    if view is None:
        return None
    return {
        "channel": view.workflow.channel_id,
        "text": checklist_text(view),
        "blocks": build_checklist(view),
    }


def render_refresh(db: Session, args: dict[str, Any]) -> Rendered:
    """A coalesced update of the checklist: lower the flag first, then read."""
    if not checklist.take_refresh(db, reset_id=int(args["reset_id"]), key=str(args["key"])):
        return None  # an older update is still waiting; it will show this and more
    return render_checklist(db, args)


def render_monday(db: Session, args: dict[str, Any]) -> Rendered:
    """The outcome owner's Monday DM: what is due in the week that Monday falls in."""
    view = reset_view(db, reset_id=int(args["reset_id"]))
    if view is None or view.reset.ended_at is not None:
        return None
    monday = date.fromisoformat(str(args["monday"]))
    week = max(1, min(4, (monday - view.calendar.start_day).days // 7 + 1))
    return {"channel": str(args["user"]), **build_monday_dm(view, week=week)}


def render_summary(db: Session, args: dict[str, Any]) -> Rendered:
    """The end summary (from the checklist frozen when the reset ended)."""
    view = reset_view(db, reset_id=int(args["reset_id"]))
    if view is None:
        return None
    return {"channel": str(args["channel"]), **build_summary(view)}
