"""The council report, rendered from the stored report when the outbox sends it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from cadence.evidence import report
from handlers.blocks.council_report import build_council_report, report_text


def render_council_report(db: Session, args: dict[str, Any]) -> dict[str, Any] | None:
    """The report as it was made, to the council's channel or one member's DM."""
    found = report.stored_figures(db, report_id=int(args["report_id"]))
    if found is None:
        return None
    figures, _team = found
    return {
        "channel": str(args["channel"]),
        "text": report_text(figures),
        "blocks": build_council_report(figures),
    }
