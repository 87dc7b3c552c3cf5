"""The weekly scorecard: four reported measures and the decision latency Cadence computes."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance import reported, threads
from cadence.governance.schedule import (
    ScheduleLike,
    last_opening,
    next_opening,
    opening_moment,
    week_of_opening,
)
from cadence.vocabulary import ScorecardMetric, SessionStatus
from storage.clock import now
from storage.models import Decision, Escalation, GovernanceSession, ScorecardEntry, Workflow, pk


@dataclass(frozen=True)
class MetricSpec:
    """How a measure is named, in which unit, and its allowed range."""

    label: str
    unit: str
    maximum: float | None = None
    whole: bool = False


REPORTED: dict[ScorecardMetric, MetricSpec] = {
    ScorecardMetric.THROUGHPUT: MetricSpec("Throughput", "items/week", whole=True),
    ScorecardMetric.QUALITY: MetricSpec("Quality trend", "%", maximum=100),
    ScorecardMetric.EXCEPTION_RATE: MetricSpec("Exception rate", "%", maximum=100),
    ScorecardMetric.REWORK_VOLUME: MetricSpec("Rework volume", "items", whole=True),
}
LATENCY = MetricSpec("Decision latency", "h median")
NUMBER_MAX = 1_000_000_000


@dataclass(frozen=True)
class MetricRow:
    """One line of the scorecard: this week's value and last week's."""

    metric: ScorecardMetric
    label: str
    unit: str
    value: float | None
    previous: float | None
    samples: int | None = None  # decisions behind a computed latency


def parse_value(metric: ScorecardMetric, text: str | None) -> float | None:
    """A typed value ('1,240', '12.5 %'), None when left empty; InvalidInput when wrong."""
    spec = REPORTED[metric]
    cleaned = (text or "").strip().replace(",", "").replace("%", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput(f"{spec.label} must be a number.", field=metric.value) from None
    if value != value or value < 0 or value > NUMBER_MAX:  # NaN, negative, absurd
        raise InvalidInput(f"{spec.label} can't be negative.", field=metric.value)
    if spec.maximum is not None and value > spec.maximum:
        raise InvalidInput(f"{spec.label} is a percentage: 0 to 100.", field=metric.value)
    if spec.whole and value != int(value):
        raise InvalidInput(f"{spec.label} counts {spec.unit}: a whole number.", field=metric.value)
    return value


def scorecard_week(db: Session, *, workflow: Workflow, schedule: ScheduleLike) -> date:
    """The week a report goes to: the thread open now if undecided, else the next thread."""
    moment = now()
    opened_week = week_of_opening(schedule, last_opening(schedule, moment))
    weekly = threads.weekly_session(db, workflow_id=pk(workflow), week_start=opened_week)
    if weekly is not None and weekly.status == SessionStatus.OPEN:
        return opened_week
    return week_of_opening(schedule, next_opening(schedule, moment))


def report(
    db: Session,
    *,
    workflow: Workflow,
    week_start: date,
    values: dict[ScorecardMetric, float | None],
    actor_id: str,
    default_zone: str,
) -> list[ScorecardMetric]:
    """Store the reported values (an empty one clears it); the metrics that changed."""
    authority.require_scorecard_authority(db, workflow=workflow, user_id=actor_id)

    def new_row(metric: ScorecardMetric, value: float, moment: datetime) -> ScorecardEntry:
        return ScorecardEntry(
            workflow_id=pk(workflow),
            week_start=week_start,
            metric=metric.value,
            value=value,
            recorded_by=actor_id,
            created_at=moment,
        )

    changed = reported.store_week_values(
        db,
        stored=_entries(db, pk(workflow), week_start),
        values=values,
        new_row=new_row,
        actor_id=actor_id,
    )
    if changed:
        audit.record(
            db,
            team_id=workflow.team_id,
            actor=actor_id,
            action="scorecard.reported",
            workflow_id=workflow.id,
            week_start=week_start.isoformat(),
            values={m.value: values[m] for m in changed},
        )
        # Every open session of that week shows this scorecard: the weekly thread and extras.
        reported.refresh_open_sessions(
            db, workflow=workflow, default_zone=default_zone, week_start=week_start
        )
    return changed


def current_values(db: Session, *, workflow_id: int, week_start: date) -> dict[str, float]:
    """The reported values of one week, by metric."""
    return {m.value: e.value for m, e in _entries(db, workflow_id, week_start).items()}


def read_scorecard(
    db: Session, *, workflow: Workflow, week_start: date, schedule: ScheduleLike
) -> list[MetricRow]:
    """Every measure of the week with last week's value (None where not reported)."""
    this = _entries(db, pk(workflow), week_start)
    last = _entries(db, pk(workflow), week_start - timedelta(days=7))
    rows = [
        MetricRow(
            metric,
            spec.label,
            spec.unit,
            this[metric].value if metric in this else None,
            last[metric].value if metric in last else None,
        )
        for metric, spec in REPORTED.items()
    ]
    value, samples = decision_latency(
        db, workflow=workflow, week_start=week_start, schedule=schedule
    )
    previous, _ = decision_latency(
        db, workflow=workflow, week_start=week_start - timedelta(days=7), schedule=schedule
    )
    rows.append(
        MetricRow(
            ScorecardMetric.DECISION_LATENCY, LATENCY.label, LATENCY.unit, value, previous, samples
        )
    )
    return rows


def decision_latency(
    db: Session, *, workflow: Workflow, week_start: date, schedule: ScheduleLike
) -> tuple[float | None, int]:
    """Median hours to a decision over the 7 days before the week's opening: escalations
    resolved and governance decisions recorded then. (None, 0) when there were none."""
    end = opening_moment(schedule, week_start)
    start = end - timedelta(days=7)
    seconds = _escalation_latencies(db, pk(workflow), start, end)
    seconds += [
        s
        for s in db.exec(
            select(Decision.latency_seconds)
            .join(GovernanceSession, col(Decision.session_id) == col(GovernanceSession.id))
            .where(GovernanceSession.workflow_id == workflow.id)
            .where(Decision.created_at >= start, Decision.created_at < end)
        ).all()
        if s is not None
    ]
    if not seconds:
        return None, 0
    return round(statistics.median(seconds) / 3600, 1), len(seconds)


def _escalation_latencies(
    db: Session, workflow_id: int, start: datetime, end: datetime
) -> list[int]:
    rows = db.exec(
        select(Escalation.resolve_latency_seconds).where(
            Escalation.workflow_id == workflow_id,
            col(Escalation.resolved_at).is_not(None),
            col(Escalation.resolved_at) >= start,
            col(Escalation.resolved_at) < end,
        )
    ).all()
    return [int(s) for s in rows if s is not None]


def _entries(
    db: Session, workflow_id: int, week_start: date
) -> dict[ScorecardMetric, ScorecardEntry]:
    rows = db.exec(
        select(ScorecardEntry).where(
            ScorecardEntry.workflow_id == workflow_id, ScorecardEntry.week_start == week_start
        )
    ).all()
    known = {m.value for m in REPORTED}
    return {ScorecardMetric(r.metric): r for r in rows if r.metric in known}
