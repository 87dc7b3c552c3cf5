"""/cadence gaps: escalations that changed hands, or were acted on, without explicit authority."""

from __future__ import annotations

from cadence.accountability.queries import current_owners
from cadence.escalations import gap_notes, queries
from cadence.people import mention
from cadence.text import escape
from handlers.blocks.escalations import build_gaps
from handlers.blocks.kit import local_date
from handlers.commands.request import CommandRequest
from storage.models import pk


def handle_gaps(req: CommandRequest) -> None:
    """The latest ownership gaps, newest first: the evidence for closing them, how each was
    closed, and a button on those the caller (their outcome owner) may acknowledge."""
    gaps = queries.recent_gaps(req.db, team_id=req.team_id)
    ids = [pk(g.event) for g in gaps]
    closures = gap_notes.closures(req.db, event_ids=ids)
    closed = {
        event_id: f"{c.how.capitalize()} by {mention(c.by)} on "
        f"{local_date(c.at, req.default_zone)}" + (f": {escape(c.note[:300])}" if c.note else "")
        for event_id, c in closures.items()
    }
    owners: dict[int, str | None] = {}
    for gap in gaps:
        wid = gap.escalation.workflow_id
        if wid not in owners:
            owners[wid] = current_owners(req.db, workflow_id=wid).outcome
    mine = {
        pk(g.event)
        for g in gaps
        if owners[g.escalation.workflow_id] == req.command.user_id and pk(g.event) not in closures
    }
    blocks = build_gaps(gaps, req.default_zone, closed=closed, may_acknowledge=mine)
    req.reply(f"Ownership gaps ({len(gaps)})", blocks=blocks)
