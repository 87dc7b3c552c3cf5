"""Everything the reset's messages show (checklist, Monday DM, summary, status), read at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from cadence.governance.schedule import local_time
from cadence.reset import checklist, lifecycle
from cadence.reset.calendar import ResetCalendar
from cadence.reset.context import calendar_of
from cadence.reset.items import ItemResult
from storage.clock import now
from storage.models import AccountabilityReset, Workflow, pk


@dataclass(frozen=True)
class ResetView:
    """A reset with its workflow, calendar and items as they stand."""

    reset: AccountabilityReset
    workflow: Workflow
    calendar: ResetCalendar
    items: list[ItemResult]
    moment: datetime
    next_name: str | None

    @property
    def day(self) -> int:
        """Which day of 30 it is (as it stood when the reset ended)."""
        return max(1, min(30, self.calendar.day_number(self.reset.ended_at or self.moment)))

    @property
    def week(self) -> int:
        """Which week (1-4) it is."""
        return self.calendar.week_of(self.reset.ended_at or self.moment)

    def local(self, moment: datetime) -> str:
        """'Wed 25 Nov 10:00' in the reset's time zone."""
        return local_time(moment, self.calendar.timezone).strftime("%a %d %b %H:%M")


def reset_view(db: Session, *, reset_id: int) -> ResetView | None:
    """The reset as its messages show it, or None when it is gone."""
    reset = db.get(AccountabilityReset, reset_id)
    workflow = db.get(Workflow, reset.workflow_id) if reset is not None else None
    if reset is None or workflow is None:
        return None
    moment = now()
    following = db.get(Workflow, reset.next_workflow_id) if reset.next_workflow_id else None
    return ResetView(
        reset=reset,
        workflow=workflow,
        calendar=calendar_of(reset),
        items=checklist.evaluate(db, reset=reset, moment=moment),
        moment=moment,
        next_name=following.name if following is not None else None,
    )


def running_views(db: Session, *, team_id: str) -> list[ResetView]:
    """Every running reset of the workspace, oldest first."""
    found = [reset_view(db, reset_id=pk(r)) for r in lifecycle.running(db, team_id=team_id)]
    return [v for v in found if v is not None]
