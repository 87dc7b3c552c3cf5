"""Why the opening job left a workflow without a weekly thread, in words for the CLI and logs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cadence.governance.schedule import (
    Schedule,
    local_time,
    next_opening,
    opening_moment,
    week_start_for,
)
from cadence.governance.settings import load_schedule
from cadence.governance.threads import needs_thread
from storage.clock import now
from storage.models import Workflow


def opening_notes(db: Session, *, team_id: str, default_zone: str) -> list[str]:
    """Nothing due yet this week, or each active workflow the week's opening skips, and why."""
    schedule = load_schedule(db, team_id=team_id, default_zone=default_zone)
    moment = now()
    week = week_start_for(moment, schedule.timezone)
    opening = opening_moment(schedule, week)
    active = db.exec(
        select(Workflow).where(Workflow.team_id == team_id, col(Workflow.archived_at).is_(None))
    ).all()
    if moment < opening:
        return [not_yet_note(schedule, opening, len(active))]
    skipped = [w for w in active if not needs_thread(w, week, opening)]
    return [skipped_note(w, schedule, opening) for w in skipped]


def _day(moment: datetime) -> str:
    return f"{moment:%a} {moment.day} {moment:%b}"


def not_yet_note(schedule: Schedule, opening: datetime, workflows: int) -> str:
    """Why nothing opened in a workspace whose opening has not come yet this week."""
    at = local_time(opening, schedule.timezone)
    return (
        f"Not due yet: this week's threads open {_day(at)} {at:%H:%M} ({schedule.timezone}) "
        f"for {workflows} workflow(s); `/cadence review WORKFLOW` opens one now."
    )


def skipped_note(workflow: Workflow, schedule: Schedule, opening: datetime) -> str:
    """Why a workflow got no weekly thread this week, when its first one comes, and what to do."""
    now_command = f"`/cadence review {workflow.name}` opens one now"
    if workflow.created_at >= opening:
        at = local_time(opening, schedule.timezone)
        first = local_time(next_opening(schedule, workflow.created_at), schedule.timezone)
        return (
            f"{workflow.name} was registered after this week's opening ({at:%a %H:%M}); "
            f"its first weekly thread opens {_day(first)}; {now_command}."
        )
    review = workflow.re_review_on
    when = f" until its re-review week ({review:%a} {review.day} {review:%b})" if review else ""
    return f"{workflow.name} is stopped{when}, so it has no weekly thread; {now_command}."
