"""Renderers of the governance thread's parent message, built from the database when sent."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from cadence.governance import votes
from cadence.governance.view import thread_view
from handlers.blocks.governance import build_parent, parent_text


def render_parent(db: Session, args: dict[str, Any]) -> dict[str, Any] | None:
    """The parent message as the database has it now (its first post, or a full redraw)."""
    view = thread_view(db, session_id=int(args["session_id"]), default_zone=str(args["tz"]))
    if view is None:
        return None
    return {
        "channel": view.session.channel_id,
        "text": parent_text(view),
        "blocks": build_parent(view),
    }


def render_tally(db: Session, args: dict[str, Any]) -> dict[str, Any] | None:
    """A coalesced live-tally refresh: lower the flag first, then read, in one transaction."""
    session_id = int(args["session_id"])
    if not votes.take_refresh(db, session_id=session_id, key=str(args["key"])):
        return None  # an older refresh is still waiting; it will show this state and more
    return render_parent(db, args)
