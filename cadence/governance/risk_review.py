"""Risk reviews: a scorecard value past its trigger opens one extra session, once per breach.

A breach starts when a reported (or computed) value crosses its trigger and no breach of that
metric is open: a risk review opens in the workflow's channel, the workflow owner and the
outcome owner are DMed, and on a high-risk workflow the council is told. A value back within
the trigger ends the breach; crossing again starts a new one. All of it is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import council, queries
from cadence.governance import review, scorecard, threads, triggers
from cadence.governance.schedule import opening_moment
from cadence.governance.settings import load_schedule
from cadence.governance.triggers import Rule, amount
from cadence.text import escape
from cadence.vocabulary import RiskTier, ScorecardMetric, SessionKind
from storage.clock import now
from storage.models import GovernanceSession, RiskBreach, Workflow, pk

SYSTEM_ACTOR = threads.SYSTEM_ACTOR


@dataclass(frozen=True)
class Started:
    """A breach that started, with the words that describe it."""

    breach: RiskBreach
    phrase: str


def report_scorecard(
    db: Session,
    *,
    workflow: Workflow,
    week_start: date,
    values: dict[ScorecardMetric, float | None],
    actor_id: str,
    default_zone: str,
) -> tuple[list[ScorecardMetric], list[Started]]:
    """Store a scorecard report, then check the reported metrics against their triggers."""
    # Reports of one workflow one after the other: two at once would both insert a new
    # measure (one refused by the schema) and both judge the same crossing.
    review.lock_workflow(db, pk(workflow))
    changed = scorecard.report(
        db,
        workflow=workflow,
        week_start=week_start,
        values=values,
        actor_id=actor_id,
        default_zone=default_zone,
    )
    started = check(
        db,
        workflow=workflow,
        week_start=week_start,
        actor_id=actor_id,
        default_zone=default_zone,
        metrics=list(scorecard.REPORTED),
    )
    return changed, started


def save_triggers(
    db: Session,
    *,
    workflow: Workflow,
    actor_id: str,
    wanted: dict[ScorecardMetric, Rule | None],
    default_zone: str,
) -> tuple[list[str], list[Started]]:
    """Store the triggers; a removed trigger ends its breach; the current values are checked."""
    changes = triggers.set_triggers(db, workflow=workflow, actor_id=actor_id, wanted=wanted)
    for metric, rule in wanted.items():
        breach = open_breaches(db, pk(workflow)).get(metric.value)
        if rule is None and breach is not None:
            _end(db, workflow, breach, value=None, actor_id=actor_id)
    schedule = load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    week = scorecard.scorecard_week(db, workflow=workflow, schedule=schedule)
    started = check(
        db,
        workflow=workflow,
        week_start=week,
        actor_id=actor_id,
        default_zone=default_zone,
    )
    return changes, started


def check_week_opened(db: Session, *, session: GovernanceSession, default_zone: str) -> None:
    """A weekly thread just opened: its decision latency is final now (computed over the week
    before the opening), so check it against its trigger."""
    workflow = db.get(Workflow, session.workflow_id)
    if workflow is None:
        return
    check(
        db,
        workflow=workflow,
        week_start=session.week_start,
        actor_id=SYSTEM_ACTOR,
        default_zone=default_zone,
        metrics=[ScorecardMetric.DECISION_LATENCY],
    )


def check(
    db: Session,
    *,
    workflow: Workflow,
    week_start: date,
    actor_id: str,
    default_zone: str,
    metrics: Iterable[ScorecardMetric] | None = None,
) -> list[Started]:
    """Start or end breaches from the week's values; the breaches that started."""
    wanted = set(metrics) if metrics is not None else None
    rules = [
        r
        for r in triggers.current_rules(db, workflow_id=pk(workflow))
        if wanted is None or r.metric in wanted
    ]
    if not rules:
        return []
    review.lock_workflow(db, pk(workflow))  # one check at a time per workflow
    values = observed(db, workflow=workflow, week_start=week_start, default_zone=default_zone)
    breaches = open_breaches(db, pk(workflow))
    started = []
    for rule in rules:
        value, previous = values.get(rule.metric, (None, None))
        crossed = None if value is None else rule.crossed(value, previous)
        breach = breaches.get(rule.metric.value)
        if crossed and breach is None:
            assert value is not None
            started.append(
                _start(db, workflow, rule, value, previous, week_start, actor_id, default_zone)
            )
        elif crossed is False and breach is not None:
            _end(db, workflow, breach, value=value, actor_id=actor_id)
    return started


def observed(
    db: Session, *, workflow: Workflow, week_start: date, default_zone: str
) -> dict[ScorecardMetric, tuple[float | None, float | None]]:
    """(value, last week's value) per metric; decision latency once the week has opened."""
    this = scorecard.current_values(db, workflow_id=pk(workflow), week_start=week_start)
    last = scorecard.current_values(
        db, workflow_id=pk(workflow), week_start=week_start - timedelta(days=7)
    )
    found = {m: (this.get(m.value), last.get(m.value)) for m in scorecard.REPORTED}
    schedule = load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    if opening_moment(schedule, week_start) <= now():  # computed over a week that is over
        latency, _ = scorecard.decision_latency(
            db, workflow=workflow, week_start=week_start, schedule=schedule
        )
        before, _ = scorecard.decision_latency(
            db, workflow=workflow, week_start=week_start - timedelta(days=7), schedule=schedule
        )
        found[ScorecardMetric.DECISION_LATENCY] = (latency, before)
    return found


def open_breaches(db: Session, workflow_id: int) -> dict[str, RiskBreach]:
    """The workflow's open breaches, by metric."""
    rows = db.exec(
        select(RiskBreach).where(
            RiskBreach.workflow_id == workflow_id, col(RiskBreach.ended_at).is_(None)
        )
    ).all()
    return {r.metric: r for r in rows}


def _start(
    db: Session,
    workflow: Workflow,
    rule: Rule,
    value: float,
    previous: float | None,
    week_start: date,
    actor_id: str,
    default_zone: str,
) -> Started:
    breach = RiskBreach(
        team_id=workflow.team_id,
        workflow_id=pk(workflow),
        metric=rule.metric.value,
        direction=rule.direction.value,
        threshold=rule.threshold,
        value=value,
        week_start=week_start,
        started_by=actor_id,
        created_at=now(),
    )
    db.add(breach)
    db.flush()
    phrase = rule.breach_phrase(value, previous)
    reason = (
        f"{rule.label} {amount(rule.metric, value)} crossed its trigger "
        f"({rule.describe().lower()}) in the scorecard of the week of {week_start:%d %b}."
    )
    opened = review.open_extra_session(
        db,
        workflow=workflow,
        kind=SessionKind.RISK_REVIEW,
        opened_by=SYSTEM_ACTOR,
        reason=reason,
        request_key=f"breach:{breach.id}",
        default_zone=default_zone,
        title=f"Risk review: {phrase}",
        week_start=week_start,
    )
    breach.session_id = opened.session.id
    db.add(breach)
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=actor_id,
        action="risk.breach_started",
        workflow_id=workflow.id,
        breach_id=breach.id,
        metric=rule.metric.value,
        trigger=rule.describe(),
        value=value,
        previous=previous,
        week_start=week_start.isoformat(),
        session_id=opened.session.id,
    )
    _tell(db, workflow, breach, f"Risk review: {phrase}", reason)
    return Started(breach, phrase)


def _tell(db: Session, workflow: Workflow, breach: RiskBreach, title: str, reason: str) -> None:
    """DM the workflow owner and the outcome owner; the council too on a high-risk workflow."""
    current = queries.current_owners(db, workflow_id=pk(workflow))
    text = (
        f":rotating_light: *{escape(title)}* on *{escape(workflow.name)}*\n{escape(reason)}\n"
        f"A risk review is open in <#{workflow.channel_id}>: vote there, and the approver "
        "records the decision."
    )
    told = list(dict.fromkeys(u for u in (current.workflow, current.outcome) if u))
    for user in told:
        outbox.post_message(db, key=f"breach:{breach.id}:owner:{user}", channel=user,
                            text=text, team_id=workflow.team_id)  # fmt: skip
    if workflow.risk_tier != RiskTier.HIGH:
        return
    for user in council.member_ids(db, team_id=workflow.team_id):
        if user not in told:
            outbox.post_message(
                db,
                key=f"breach:{breach.id}:council:{user}",
                channel=user,
                text=":classical_building: For the AI council (high-risk workflow): " + text,
                team_id=workflow.team_id,
            )


def _end(
    db: Session, workflow: Workflow, breach: RiskBreach, *, value: float | None, actor_id: str
) -> None:
    """The value is back within the trigger (or the trigger was removed): the breach is over."""
    breach.ended_at, breach.ended_value, breach.ended_by = now(), value, actor_id
    db.add(breach)
    db.flush()
    metric = ScorecardMetric(breach.metric)
    why = (
        f"back within the trigger at {amount(metric, value)}"
        if value is not None
        else "its trigger was removed"
    )
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=actor_id,
        action="risk.breach_ended",
        workflow_id=workflow.id,
        breach_id=breach.id,
        metric=breach.metric,
        value=value,
    )
    if breach.session_id is not None:
        outbox.post_message(
            db,
            key=f"breach:{breach.id}:ended",
            channel=workflow.channel_id,
            text=f":white_check_mark: {triggers.SPECS[metric].label} is {why}: this breach is "
            "over. Crossing the trigger again starts a new risk review.",
            thread_of=threads.parent_key(breach.session_id),
            team_id=workflow.team_id,
        )
