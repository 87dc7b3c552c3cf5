"""/cadence decisions | scorecard | settings: the weekly governance rhythm."""

from __future__ import annotations

from cadence.accountability import workflows
from cadence.errors import NotAuthorized
from cadence.governance import queries as governance_queries
from cadence.governance import scorecard
from cadence.governance import settings as governance_settings
from cadence.governance.schedule import Schedule, local_time, next_opening
from cadence.governance.trends import read_trends
from handlers.actions.governance import scorecard_modal
from handlers.blocks.governance import build_decision_log, build_scorecard_summary
from handlers.commands.request import CommandRequest
from storage.clock import now
from storage.models import pk


def handle_decisions(req: CommandRequest) -> None:
    """The decision log of a workflow, newest first, with rationale and follow-ups."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    entries = governance_queries.decision_log(req.db, workflow_id=pk(workflow))
    schedule = _schedule(req)
    req.reply(
        f"Decision log: {workflow.name}",
        blocks=build_decision_log(workflow, entries, schedule.timezone),
    )


def handle_scorecard(req: CommandRequest) -> None:
    """Open the scorecard modal for those who report it; show the scorecard to anyone else."""
    workflow = workflows.find_workflow(req.db, team_id=req.team_id, name=req.args)
    try:
        req.open_modal(
            scorecard_modal(
                req.db,
                workflow=workflow,
                user_id=req.command.user_id,
                default_zone=req.default_zone,
            )
        )
    except NotAuthorized as refusal:
        schedule = _schedule(req)
        week = scorecard.scorecard_week(req.db, workflow=workflow, schedule=schedule)
        rows = scorecard.read_scorecard(
            req.db, workflow=workflow, week_start=week, schedule=schedule
        )
        shown = read_trends(req.db, workflow=workflow, last_week=week, schedule=schedule)
        req.reply(
            f"Scorecard: {workflow.name}",
            blocks=build_scorecard_summary(
                workflow, f"{week:%d %b %Y}", rows, trends=shown, note=refusal.user_message
            ),
        )


def handle_settings(req: CommandRequest) -> None:
    """Show when the weekly threads open; council members (or admins) change it."""
    current = _schedule(req)
    if not req.args or req.args.lower() in ("show", "list"):
        req.reply(_describe(current, "Weekly governance threads open"))
        return
    wanted = governance_settings.parse_schedule_change(req.args, current)
    before, after = governance_settings.update_schedule(
        req.db,
        team_id=req.team_id,
        actor=req.actor(),
        wanted=wanted,
        default_zone=req.default_zone,
    )
    if before == after:
        req.reply(_describe(after, "Nothing changed: weekly governance threads open"))
        return
    req.reply(
        _describe(after, ":white_check_mark: Weekly governance threads now open")
        + f"\n(Was {before.describe()}.)"
    )


def _schedule(req: CommandRequest) -> Schedule:
    return governance_settings.load_schedule(
        req.db, team_id=req.team_id, default_zone=req.default_zone
    )


def _describe(schedule: Schedule, lead: str) -> str:
    upcoming = local_time(next_opening(schedule, now()), schedule.timezone)
    return (
        f"{lead} every *{schedule.describe()}*. Next: {upcoming:%a %d %b %H:%M}.\n"
        "Change it with `/cadence settings DAY HH:MM TIME/ZONE`, e.g. "
        "`/cadence settings Monday 09:30 Europe/Paris` (AI council or workspace admins)."
    )
