"""Two requests for a session at once, on SQLite and PostgreSQL: numbers never clash, a retried
request opens one session, and one breach opens one risk review."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlmodel import col, select

from cadence.governance import review, risk_review
from cadence.governance.triggers import Rule
from cadence.vocabulary import OwnerRole, ScorecardMetric, TriggerDirection
from storage.db import new_session
from storage.models import GovernanceSession, RiskBreach, Workflow
from tests.cadence.helpers import LI, MARIA, assign, make_workflow, wait_until_blocked_or_done


def a_workflow(engine) -> int:
    with new_session(engine) as db:
        workflow = make_workflow(db)
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        assign(db, workflow, OwnerRole.WORKFLOW, LI)
        db.commit()
        return workflow.id


def ask(engine, workflow_id: int, key: str, out: list) -> None:
    """One request, in its own session, committed (what a Slack request does)."""
    try:
        with new_session(engine) as db:
            opened = review.request_review(
                db, workflow=db.get(Workflow, workflow_id), actor_id=LI.id, reason=key,
                request_key=key, default_zone="UTC",
            )  # fmt: skip
            db.commit()
            out.append((opened.session.id, opened.created))
    except BaseException as exc:  # surfaced by the test
        out.append(exc)


def numbers(engine) -> list[tuple[int, str | None]]:
    with new_session(engine) as db:
        rows = db.exec(select(GovernanceSession).order_by(col(GovernanceSession.number))).all()
        return [(s.number, s.request_key) for s in rows]


def test_two_requests_at_once_get_two_numbers_and_a_retry_gets_its_session(
    any_engine, frozen_clock
):
    frozen_clock.current = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    workflow_id = a_workflow(any_engine)
    # The first request holds its transaction open while the second arrives.
    first = new_session(any_engine)
    held = review.request_review(first, workflow=first.get(Workflow, workflow_id), actor_id=LI.id,
                                 reason="a", request_key="a", default_zone="UTC")  # fmt: skip
    out: list = []
    second = threading.Thread(target=ask, args=(any_engine, workflow_id, "b", out), daemon=True)
    retry = threading.Thread(target=ask, args=(any_engine, workflow_id, "a", out), daemon=True)
    second.start()
    wait_until_blocked_or_done(any_engine, second)
    first.commit()
    first.close()
    second.join(30)
    retry.start()
    retry.join(30)
    assert not second.is_alive() and not retry.is_alive()
    assert not [o for o in out if isinstance(o, BaseException)], out
    assert numbers(any_engine) == [(1, "a"), (2, "b")]
    assert out[1] == (held.session.id, False)  # the retry found the first request's session


def test_one_breach_reported_twice_at_once_opens_one_risk_review(any_engine, frozen_clock):
    frozen_clock.current = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    workflow_id = a_workflow(any_engine)
    rule = Rule(ScorecardMetric.EXCEPTION_RATE, TriggerDirection.ABOVE, 5)
    with new_session(any_engine) as db:
        risk_review.save_triggers(db, workflow=db.get(Workflow, workflow_id), actor_id=MARIA.id,
                                  wanted={rule.metric: rule}, default_zone="UTC")  # fmt: skip
        db.commit()
    week = datetime(2026, 11, 30).date()

    def report(db, value: float) -> list:
        _, started = risk_review.report_scorecard(
            db, workflow=db.get(Workflow, workflow_id), week_start=week,
            values={rule.metric: value}, actor_id=LI.id, default_zone="UTC",
        )  # fmt: skip
        return started

    first = new_session(any_engine)
    assert len(report(first, 7.2)) == 1
    out: list = []

    def again() -> None:
        try:
            with new_session(any_engine) as db:
                out.append(report(db, 7.5))
                db.commit()
        except BaseException as exc:
            out.append(exc)

    thread = threading.Thread(target=again, daemon=True)
    thread.start()
    wait_until_blocked_or_done(any_engine, thread)
    first.commit()
    first.close()
    thread.join(30)
    assert out == [[]]
    with new_session(any_engine) as db:
        assert len(db.exec(select(RiskBreach)).all()) == 1
        kinds = db.exec(select(GovernanceSession.kind)).all()
    assert kinds == ["risk_review"]
