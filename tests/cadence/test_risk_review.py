"""Risk reviews from computed and week-on-week values; who is told; a removed trigger."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.jobs import open_due_threads
from cadence.errors import NotAuthorized
from cadence.governance import risk_review
from cadence.governance.triggers import Rule, parse_threshold
from cadence.vocabulary import OwnerRole, ScorecardMetric, TriggerDirection
from storage import clock
from storage.db import session_scope
from storage.models import Escalation, GovernanceSession, RiskBreach, Workflow
from tests.cadence.helpers import (
    DANA,
    LI,
    MARIA,
    assign,
    audit_actions,
    make_workflow,
    outbox_keys,
    seat,
)

FRIDAY = datetime(2026, 11, 13, 10, 0, tzinfo=UTC)
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
LAST_WEEK, THIS_WEEK = date(2026, 11, 16), date(2026, 11, 23)


@pytest.fixture
def at():
    """Set Cadence's clock: at(moment)."""
    yield lambda moment: clock.set_clock(lambda: moment)
    clock.set_clock(None)


def setup_workflow(engine, *, risk: str = "medium", **rules: Rule) -> int:
    with session_scope(engine) as db:
        workflow = make_workflow(db)
        workflow.risk_tier = risk
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        assign(db, workflow, OwnerRole.WORKFLOW, LI)
        seat(db, DANA)
        risk_review.save_triggers(
            db,
            workflow=workflow,
            actor_id=MARIA.id,
            wanted={ScorecardMetric(m): r for m, r in rules.items()},
            default_zone="UTC",
        )
        return workflow.id


def report(engine, workflow_id: int, week: date, **values: float) -> list[risk_review.Started]:
    with session_scope(engine) as db:
        workflow = db.get(Workflow, workflow_id)
        _, started = risk_review.report_scorecard(
            db,
            workflow=workflow,
            week_start=week,
            values={ScorecardMetric(m): v for m, v in values.items()},
            actor_id=LI.id,
            default_zone="UTC",
        )
        return started


def test_a_slow_week_of_decisions_opens_a_risk_review_when_the_thread_opens(engine, at):
    at(FRIDAY)
    latency = Rule(ScorecardMetric.DECISION_LATENCY, TriggerDirection.ABOVE, 72)
    workflow_id = setup_workflow(engine, risk="high", decision_latency=latency)
    with session_scope(engine) as db:
        db.add(
            Escalation(
                team_id="T0TEAM",
                workflow_id=workflow_id,
                decision_point="budget",
                summary="Over",
                raised_by=LI.id,
                idempotency_key="e1",
                created_at=datetime(2026, 11, 17, 9, 0, tzinfo=UTC),
                status="resolved",
                resolved_at=datetime(2026, 11, 20, 17, 0, tzinfo=UTC),
                resolve_latency_seconds=80 * 3600,
            )
        )
    at(MONDAY_9)
    assert len(open_due_threads(engine, default_zone="UTC").opened) == 1
    assert open_due_threads(engine, default_zone="UTC").opened == []
    with session_scope(engine) as db:
        sessions = db.exec(select(GovernanceSession).order_by(GovernanceSession.id)).all()
        keys = outbox_keys(db)
        actions = audit_actions(db)
    assert [(s.kind, s.title) for s in sessions] == [
        ("weekly", None),
        ("risk_review", "Risk review: decision latency 80 h > 72 h"),
    ]
    told = [k for k in keys if k.startswith("breach:")]
    assert told == ["breach:1:owner:ULI", "breach:1:owner:UMARIA", "breach:1:council:UDANA"]
    assert actions.count("risk.breach_started") == 1


def test_a_rise_week_on_week_needs_last_weeks_value_and_the_council_hears_of_high_risk_only(
    engine, at
):
    at(MONDAY_9)
    rise = Rule(ScorecardMetric.REWORK_VOLUME, TriggerDirection.RISE, 30)
    workflow_id = setup_workflow(engine, rework_volume=rise)
    assert report(engine, workflow_id, THIS_WEEK, rework_volume=14) == []  # nothing to compare
    report(engine, workflow_id, LAST_WEEK, rework_volume=10)
    [started] = report(engine, workflow_id, THIS_WEEK, rework_volume=15)
    assert started.phrase == "rework volume up 50% week on week > 30%"
    assert report(engine, workflow_id, THIS_WEEK, rework_volume=16) == []  # the same breach
    with session_scope(engine) as db:
        keys = [k for k in outbox_keys(db) if k.startswith("breach:")]
    assert keys == ["breach:1:owner:ULI", "breach:1:owner:UMARIA"]  # medium risk: no council


def test_removing_a_trigger_ends_its_breach_and_only_the_outcome_owner_or_council_set_them(
    engine, at
):
    at(MONDAY_9)
    above = Rule(ScorecardMetric.EXCEPTION_RATE, TriggerDirection.ABOVE, 5)
    workflow_id = setup_workflow(engine, exception_rate=above)
    assert len(report(engine, workflow_id, THIS_WEEK, exception_rate=9)) == 1
    with session_scope(engine) as db:
        workflow = db.get(Workflow, workflow_id)
        with pytest.raises(NotAuthorized):
            risk_review.save_triggers(
                db, workflow=workflow, actor_id=LI.id, wanted={above.metric: None},
                default_zone="UTC",
            )  # fmt: skip
    with session_scope(engine) as db:
        workflow = db.get(Workflow, workflow_id)
        risk_review.save_triggers(db, workflow=workflow, actor_id=DANA.id,
                                  wanted={above.metric: None}, default_zone="UTC")  # fmt: skip
        [breach] = db.exec(select(RiskBreach)).all()
        assert breach.ended_by == DANA.id and breach.ended_value is None
        assert "breach:1:ended" in outbox_keys(db)


@pytest.mark.parametrize(
    ("metric", "direction", "text", "described"),
    [
        ("exception_rate", "above", "5 %", "Exception rate above 5%"),
        ("quality", "below", "90", "Quality trend below 90%"),
        ("rework_volume", "rise", "30%", "Rework volume up more than 30% week on week"),
        ("decision_latency", "above", "72h", "Decision latency above 72 h"),
        ("throughput", "below", "1,000", "Throughput below 1,000 items/week"),
    ],
)
def test_thresholds_read_the_way_people_type_them(metric, direction, text, described):
    rule = parse_threshold(ScorecardMetric(metric), TriggerDirection(direction), text)
    assert rule is not None and rule.describe() == described


def test_a_crossing_is_strict_and_a_rise_without_last_week_is_unknown():
    above = Rule(ScorecardMetric.EXCEPTION_RATE, TriggerDirection.ABOVE, 5)
    below = Rule(ScorecardMetric.QUALITY, TriggerDirection.BELOW, 90)
    rise = Rule(ScorecardMetric.REWORK_VOLUME, TriggerDirection.RISE, 30)
    assert (above.crossed(5, None), above.crossed(5.1, None)) == (False, True)
    assert (below.crossed(90, None), below.crossed(89.9, None)) == (False, True)
    assert (rise.crossed(13, 10), rise.crossed(13.1, 10), rise.crossed(20, None)) == (
        False,
        True,
        None,
    )
    assert rise.crossed(5, 0) is None
