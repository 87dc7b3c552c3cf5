"""Risk-review triggers: per workflow and scorecard metric, a threshold and a direction.

"Exception rate above 5%", "quality trend below 90%", "rework volume up more than 30% week on
week", "decision latency above 72 h". Set by the outcome owner or the council, audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance.scorecard import LATENCY, REPORTED, MetricSpec
from cadence.vocabulary import ScorecardMetric, TriggerDirection
from storage.clock import now
from storage.models import RiskTrigger, Workflow, pk

THRESHOLD_MAX = 1_000_000_000
SPECS: dict[ScorecardMetric, MetricSpec] = {**REPORTED, ScorecardMetric.DECISION_LATENCY: LATENCY}
DIRECTION_WORDS = {
    TriggerDirection.ABOVE: "above",
    TriggerDirection.BELOW: "below",
    TriggerDirection.RISE: "up more than",
}


def number(value: float) -> str:
    """'7.2', '5', '1,240'."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def amount(metric: ScorecardMetric, value: float) -> str:
    """A value with its unit, short: '7.2%', '72 h', '1,240 items/week'."""
    unit = SPECS[metric].unit
    if unit == "%":
        return f"{number(value)}%"
    if metric == ScorecardMetric.DECISION_LATENCY:
        return f"{number(value)} h"
    return f"{number(value)} {unit}"


@dataclass(frozen=True)
class Rule:
    """One trigger: which metric, which way, how far."""

    metric: ScorecardMetric
    direction: TriggerDirection
    threshold: float

    @property
    def label(self) -> str:
        """The metric's name: 'Exception rate'."""
        return SPECS[self.metric].label

    def describe(self) -> str:
        """'Exception rate above 5%', 'Rework volume up more than 30% week on week'."""
        if self.direction == TriggerDirection.RISE:
            return f"{self.label} up more than {number(self.threshold)}% week on week"
        words = DIRECTION_WORDS[self.direction]
        return f"{self.label} {words} {amount(self.metric, self.threshold)}"

    def change(self, value: float, previous: float | None) -> float | None:
        """The week-on-week change in percent, None when there is nothing to compare with."""
        if previous is None or previous <= 0:
            return None
        return (value - previous) / previous * 100

    def crossed(self, value: float, previous: float | None) -> bool | None:
        """Whether the value is past the trigger; None when it cannot tell (no last week)."""
        if self.direction == TriggerDirection.ABOVE:
            return value > self.threshold
        if self.direction == TriggerDirection.BELOW:
            return value < self.threshold
        change = self.change(value, previous)
        return None if change is None else change > self.threshold

    def breach_phrase(self, value: float, previous: float | None) -> str:
        """'exception rate 7.2% > 5%', 'rework volume up 45% week on week > 30%'."""
        name = self.label.lower()
        if self.direction == TriggerDirection.RISE:
            change = self.change(value, previous) or 0.0
            return f"{name} up {number(change)}% week on week > {number(self.threshold)}%"
        sign = ">" if self.direction == TriggerDirection.ABOVE else "<"
        return f"{name} {amount(self.metric, value)} {sign} {amount(self.metric, self.threshold)}"


def parse_threshold(
    metric: ScorecardMetric, direction: TriggerDirection | None, text: str | None
) -> Rule | None:
    """The rule a form row describes (None: no trigger); InvalidInput naming the row's field."""
    cleaned = (text or "").strip().replace(",", "").replace("%", "").replace(" ", "")
    cleaned = cleaned.removesuffix("h")
    if direction is None and not cleaned:
        return None
    if direction is None:
        raise InvalidInput(
            "Pick a direction for this threshold, or clear it.", field=f"{metric}:direction"
        )
    if not cleaned:
        raise InvalidInput("Give a threshold, or set no trigger.", field=f"{metric}:threshold")
    try:
        value = float(cleaned)
    except ValueError:
        raise InvalidInput("The threshold must be a number.", field=f"{metric}:threshold") from None
    if value != value or value < 0 or value > THRESHOLD_MAX:
        raise InvalidInput("The threshold can't be negative.", field=f"{metric}:threshold")
    if direction == TriggerDirection.RISE and value <= 0:
        raise InvalidInput("A rise is more than 0%.", field=f"{metric}:threshold")
    if direction != TriggerDirection.RISE and SPECS[metric].unit == "%" and value > 100:
        raise InvalidInput("A percentage: 0 to 100.", field=f"{metric}:threshold")
    return Rule(metric, direction, value)


def current_rules(db: Session, *, workflow_id: int) -> list[Rule]:
    """The workflow's triggers, in the scorecard's order."""
    rows = db.exec(select(RiskTrigger).where(RiskTrigger.workflow_id == workflow_id)).all()
    by_metric = {r.metric: r for r in rows}
    return [
        Rule(m, TriggerDirection(by_metric[m].direction), by_metric[m].threshold)
        for m in SPECS
        if m.value in by_metric
    ]


def set_triggers(
    db: Session,
    *,
    workflow: Workflow,
    actor_id: str,
    wanted: dict[ScorecardMetric, Rule | None],
) -> list[str]:
    """Store the triggers (outcome owner or council); what changed, in words, audited."""
    authority.require_trigger_authority(db, workflow=workflow, user_id=actor_id)
    rows = {
        r.metric: r
        for r in db.exec(select(RiskTrigger).where(RiskTrigger.workflow_id == workflow.id)).all()
    }
    changes: list[str] = []
    moment = now()
    for metric, rule in wanted.items():
        row = rows.get(metric.value)
        before = Rule(metric, TriggerDirection(row.direction), row.threshold) if row else None
        if before == rule:
            continue
        if rule is None and row is not None:
            db.delete(row)
        elif rule is not None:
            row = row or RiskTrigger(
                workflow_id=pk(workflow),
                metric=metric.value,
                direction=rule.direction.value,
                threshold=rule.threshold,
                set_by=actor_id,
                created_at=moment,
            )
            row.direction, row.threshold = rule.direction.value, rule.threshold
            row.set_by, row.updated_at = actor_id, moment
            db.add(row)
        changes.append(rule.describe() if rule else f"{SPECS[metric].label}: no trigger")
        audit.record(
            db,
            team_id=workflow.team_id,
            actor=actor_id,
            action="risk.trigger_set" if rule else "risk.trigger_removed",
            workflow_id=workflow.id,
            metric=metric.value,
            before=before.describe() if before else None,
            after=rule.describe() if rule else None,
        )
    db.flush()
    return changes
