"""Trends: each scorecard metric over the last weeks, and which way it moves against its trigger.

Missing weeks stay missing (None): a week nobody reported is a gap in the trend, not a zero.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from cadence.governance import triggers
from cadence.governance.schedule import ScheduleLike, opening_moment
from cadence.governance.triggers import SPECS, Rule
from cadence.vocabulary import ScorecardMetric, TriggerDirection
from storage.models import Decision, Escalation, GovernanceSession, ScorecardEntry, Workflow, pk

WEEKS_SHOWN = 8
BARS = "▁▂▃▄▅▆▇█"
GAP = " "
FLAT = 1e-9


@dataclass(frozen=True)
class Trend:
    """One metric week by week (oldest first), with its trigger if it has one."""

    metric: ScorecardMetric
    weeks: list[date]
    values: list[float | None]
    rule: Rule | None = None

    @property
    def label(self) -> str:
        """The metric's name."""
        return SPECS[self.metric].label

    @property
    def unit(self) -> str:
        """The metric's unit."""
        return SPECS[self.metric].unit

    @property
    def known(self) -> list[float]:
        """The weeks that have a value, oldest first."""
        return [v for v in self.values if v is not None]

    def sparkline(self) -> str:
        """'▁▂ ▄▆█': one bar per week scaled between the lowest and highest value; a gap for
        a week without a value."""
        return sparkline(self.values)

    def movement(self) -> str | None:
        """'rising', 'falling' or 'flat' from the first to the last value (None: one value)."""
        known = self.known
        if len(known) < 2:
            return None
        delta = known[-1] - known[0]
        return "flat" if abs(delta) < FLAT else "rising" if delta > 0 else "falling"

    def against_trigger(self) -> str | None:
        """'worsening' or 'improving' against the trigger's direction (None: no trigger, or
        no movement)."""
        movement = self.movement()
        if self.rule is None or movement in (None, "flat"):
            return None
        bad = "falling" if self.rule.direction == TriggerDirection.BELOW else "rising"
        return "worsening" if movement == bad else "improving"

    def past_trigger(self) -> bool | None:
        """Whether the latest value is past the trigger (None: no trigger, or cannot tell)."""
        if self.rule is None or self.values[-1] is None:
            return None
        previous = self.values[-2] if len(self.values) > 1 else None
        return self.rule.crossed(self.values[-1], previous)


def sparkline(values: list[float | None]) -> str:
    """Bars for the values, scaled to their own range; GAP where a value is missing."""
    known = [v for v in values if v is not None]
    if not known:
        return GAP * len(values)
    low, high = min(known), max(known)
    top = len(BARS) - 1

    def bar(value: float) -> str:
        if high - low < FLAT:
            return BARS[top // 2]
        return BARS[round((value - low) / (high - low) * top)]

    return "".join(GAP if v is None else bar(v) for v in values)


def read_trends(
    db: Session,
    *,
    workflow: Workflow,
    last_week: date,
    schedule: ScheduleLike,
    weeks: int = WEEKS_SHOWN,
) -> list[Trend]:
    """Every metric over the `weeks` weeks ending with `last_week`, with its trigger."""
    span = [last_week - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    rows = db.exec(
        select(ScorecardEntry).where(
            ScorecardEntry.workflow_id == workflow.id,
            col(ScorecardEntry.week_start) >= span[0],
            col(ScorecardEntry.week_start) <= span[-1],
        )
    ).all()
    reported = {(r.metric, r.week_start): r.value for r in rows}
    rules = {r.metric: r for r in triggers.current_rules(db, workflow_id=pk(workflow))}
    found = [
        Trend(m, span, [reported.get((m.value, w)) for w in span], rules.get(m))
        for m in SPECS
        if m != ScorecardMetric.DECISION_LATENCY
    ]
    latency = latency_by_week(db, workflow=workflow, weeks=span, schedule=schedule)
    computed = ScorecardMetric.DECISION_LATENCY
    found.append(Trend(computed, span, latency, rules.get(computed)))
    return found


def latency_by_week(
    db: Session, *, workflow: Workflow, weeks: list[date], schedule: ScheduleLike
) -> list[float | None]:
    """Decision latency of each week (median hours over the 7 days before its opening), read
    in two queries rather than two per week; the same figure scorecard.decision_latency gives."""
    ends = [opening_moment(schedule, w) for w in weeks]
    start, end = ends[0] - timedelta(days=7), ends[-1]
    samples: list[tuple[datetime, int]] = [
        (at, int(s))
        for at, s in db.exec(
            select(Escalation.resolved_at, Escalation.resolve_latency_seconds).where(
                Escalation.workflow_id == workflow.id,
                col(Escalation.resolved_at) >= start,
                col(Escalation.resolved_at) < end,
            )
        ).all()
        if at is not None and s is not None
    ]
    samples += [
        (at, int(s))
        for at, s in db.exec(
            select(Decision.created_at, Decision.latency_seconds)
            .join(GovernanceSession, col(Decision.session_id) == col(GovernanceSession.id))
            .where(GovernanceSession.workflow_id == workflow.id)
            .where(Decision.created_at >= start, Decision.created_at < end)
        ).all()
        if s is not None
    ]
    series: list[float | None] = []
    for week_end in ends:
        week = [s for at, s in samples if week_end - timedelta(days=7) <= at < week_end]
        series.append(round(statistics.median(week) / 3600, 1) if week else None)
    return series
