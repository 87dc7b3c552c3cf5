"""Values reported per workflow per week: the scorecard's measures and the KPI tree's nodes.

Both are stored the same way (an empty value clears it, an unchanged one is left alone) and
both are shown by the open governance threads, which are redrawn when they change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from datetime import date, datetime
from typing import Protocol, TypeVar

from sqlmodel import Session, select

from cadence.governance import votes
from cadence.vocabulary import SessionStatus
from storage.clock import now
from storage.models import GovernanceSession, Workflow


class WeekValue(Protocol):
    """A stored value of one week (a `ScorecardEntry` or a `KpiValue`)."""

    value: float
    recorded_by: str
    updated_at: datetime | None


Key = TypeVar("Key", bound=Hashable)
Row = TypeVar("Row", bound=WeekValue)


def store_week_values(
    db: Session,
    *,
    stored: Mapping[Key, Row],
    values: Mapping[Key, float | None],
    new_row: Callable[[Key, float, datetime], Row],
    actor_id: str,
) -> list[Key]:
    """Store each reported value over the week's `stored` rows: None deletes the row, an equal
    value is left alone, a missing row is made by `new_row(key, value, moment)`. The keys that
    changed, in the order reported."""
    moment = now()
    changed: list[Key] = []
    for key, value in values.items():
        row = stored.get(key)
        if value is None:
            if row is not None:
                db.delete(row)
                changed.append(key)
            continue
        if row is None:
            row = new_row(key, value, moment)
        elif row.value == value:
            continue
        row.value, row.recorded_by, row.updated_at = value, actor_id, moment
        db.add(row)
        changed.append(key)
    db.flush()
    return changed


def refresh_open_sessions(
    db: Session, *, workflow: Workflow, default_zone: str, week_start: date | None = None
) -> None:
    """Redraw the open governance threads of the workflow (of one week, when given): they show
    the scorecard and the KPI tree."""
    query = select(GovernanceSession).where(
        GovernanceSession.workflow_id == workflow.id,
        GovernanceSession.status == SessionStatus.OPEN,
    )
    if week_start is not None:
        query = query.where(GovernanceSession.week_start == week_start)
    for session in db.exec(query).all():
        votes.request_refresh(db, session=session, default_zone=default_zone)
