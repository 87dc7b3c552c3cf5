"""/cadence gaps: escalations that changed hands, or were acted on, without explicit authority."""

from __future__ import annotations

from cadence.escalations import queries
from handlers.blocks.escalations import build_gaps
from handlers.commands.request import CommandRequest


def handle_gaps(req: CommandRequest) -> None:
    """The latest ownership gaps, newest first: the evidence for closing them."""
    gaps = queries.recent_gaps(req.db, team_id=req.team_id)
    blocks = build_gaps(gaps, req.default_zone)
    req.reply(f"Ownership gaps ({len(gaps)})", blocks=blocks)
