"""The table of `/cadence NAME ...` sub-commands: one row per name, one handler each."""

from __future__ import annotations

from collections.abc import Callable

from handlers.commands import (
    api,
    canvas,
    council,
    escalation_map,
    export,
    gaps,
    governance,
    kpi,
    report,
    reset,
    review,
    rights,
    risk,
    trends,
    triggers,
    workflow,
)
from handlers.commands.request import CommandRequest

Subcommand = Callable[[CommandRequest], None]

SUBCOMMANDS: dict[str, Subcommand] = {
    "workflow": workflow.handle_workflow,
    "council": council.handle_council,
    "rights": rights.handle_rights,
    "map": escalation_map.handle_map,
    "canvas": canvas.handle_canvas,
    "gaps": gaps.handle_gaps,
    "decisions": governance.handle_decisions,
    "scorecard": governance.handle_scorecard,
    "settings": governance.handle_settings,
    "review": review.handle_review,
    "triggers": triggers.handle_triggers,
    "risk": risk.handle_risk,
    "trends": trends.handle_trends,
    "report": report.handle_report,
    "export": export.handle_export,
    "reset": reset.handle_reset,
    "api": api.handle_api,
    "kpi": kpi.handle_kpi,
}
