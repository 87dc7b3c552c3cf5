"""/cadence report [PERIOD]: the council report of any past month or quarter, privately."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from cadence.evidence import report
from cadence.evidence.periods import parse_period
from cadence.reminders.working_hours import workspace_timezone
from handlers.blocks.council_report import build_council_report, report_text
from handlers.commands.request import CommandRequest
from storage.clock import now
from storage.models import Workflow


def handle_report(req: CommandRequest) -> None:
    """The report as made at the time, or counted now; outcome owners see their workflows."""
    scope = report.report_scope(req.db, team_id=req.team_id, person=req.actor())
    default = req.default_zone
    zone = workspace_timezone(req.db, team_id=req.team_id, default=default)
    period = parse_period(req.args, now().astimezone(ZoneInfo(zone)).date())
    figures, made_at = report.report_for(
        req.db, team_id=req.team_id, period=period, scope=scope, default_zone=default
    )
    only = None
    if scope is not None:  # an outcome owner's copy: say whose workflows it counts
        only = sorted(w.name for i in scope if (w := req.db.get(Workflow, i)) is not None)
    req.reply(
        report_text(figures, only=only),
        blocks=build_council_report(figures, made_at=made_at, only=only),
    )
