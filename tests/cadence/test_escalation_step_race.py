"""Two requests acting on one escalation at once (a double click, a double submit, the owner and a
council member together): the step is recorded once, and the late request changes nothing.

Each test loads the escalation in two sessions before either acts, as two Slack requests do; the
first acts and commits, then the second acts on its stale object.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cadence.escalations import lifecycle as life
from cadence.escalations import raising
from cadence.escalations.raising import Report, Severity
from cadence.vocabulary import DecisionPoint, OwnerRole
from storage.db import new_session
from storage.models import AuditEvent, Escalation, EscalationEvent, OutboxMessage
from tests.cadence.helpers import (
    DANA,
    EVE,
    LI,
    MARIA,
    SAM,
    assign,
    make_workflow,
    seat,
    wait_until_blocked_or_done,
)


def raise_one(engine: Engine, *, owner=MARIA, council=(DANA,)) -> int:
    """A sev-3 escalation, routed to `owner` (None: the council), committed; its number."""
    with new_session(engine) as db:
        workflow = make_workflow(db)
        if owner is not None:
            assign(db, workflow, OwnerRole.OUTCOME, owner)
        seat(db, *council)
        report = Report(workflow, DecisionPoint.BUDGET, None, Severity.SEV3, "Over budget")
        esc = raising.raise_escalation(
            db, report=report, raised_by=EVE.id, source_channel_id="C0GENERAL", idempotency_key="k"
        ).escalation
        db.commit()
        return esc.id


def two_requests(engine: Engine, number: int) -> tuple[Session, Escalation, Session, Escalation]:
    """Two sessions that both loaded the escalation before either acted."""
    first, second = new_session(engine), new_session(engine)
    return first, first.get(Escalation, number), second, second.get(Escalation, number)


def written(engine: Engine) -> tuple[list[str], list[str], list[str]]:
    """Everything a step writes: event kinds, audit actions, outbox keys."""
    with new_session(engine) as db:
        events = db.exec(select(EscalationEvent.kind).order_by(col(EscalationEvent.id))).all()
        audit = db.exec(select(AuditEvent.action).order_by(col(AuditEvent.id))).all()
        keys = db.exec(select(OutboxMessage.idempotency_key).order_by(col(OutboxMessage.id))).all()
    return list(events), list(audit), list(keys)


def stored(engine: Engine, number: int) -> Escalation:
    with new_session(engine) as db:
        return db.get(Escalation, number)


def test_a_double_click_on_acknowledge_records_it_once(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    clicked = frozen_clock.current
    assert life.acknowledge(first, escalation=a, actor=MARIA.id).changed
    first.commit()
    before = written(any_engine)
    frozen_clock.advance(minutes=1)
    late = life.acknowledge(second, escalation=b, actor=MARIA.id)
    second.commit()
    assert (late.changed, late.refused) == (False, False)
    assert "already acknowledged by <@UMARIA>" in late.message
    assert written(any_engine) == before  # no second event, audit row, thread note or DM
    assert before[0].count("acknowledged") == 1
    assert stored(any_engine, number).acknowledged_at == clicked


def test_owner_and_council_member_acknowledging_at_once(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.acknowledge(first, escalation=a, actor=DANA.id)
    first.commit()
    before = written(any_engine)
    late = life.acknowledge(second, escalation=b, actor=MARIA.id)
    second.commit()
    assert not late.changed and "already acknowledged by <@UDANA>" in late.message
    assert b.acknowledged_by == "UDANA"  # the late request's object now shows the truth
    assert written(any_engine) == before
    assert stored(any_engine, number).acknowledged_by == "UDANA"


def test_two_council_members_taking_a_council_held_escalation_at_once(any_engine, frozen_clock):
    number = raise_one(any_engine, owner=None, council=(DANA, SAM))
    first, a, second, b = two_requests(any_engine, number)
    life.acknowledge(first, escalation=a, actor=SAM.id)
    first.commit()
    before = written(any_engine)
    late = life.acknowledge(second, escalation=b, actor=DANA.id)
    second.commit()
    assert not late.changed and "already acknowledged by <@USAM>" in late.message
    assert written(any_engine) == before
    esc = stored(any_engine, number)
    assert (esc.routed_to, esc.acknowledged_by) == ("USAM", "USAM")


def test_a_double_submit_of_resolve_resolves_once(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.resolve(first, escalation=a, actor=MARIA.id, note="Budget raised")
    first.commit()
    before = written(any_engine)
    late = life.resolve(second, escalation=b, actor=DANA.id, note="Cut the scope")
    second.commit()
    assert not late.changed and "already resolved by <@UMARIA>" in late.message
    assert written(any_engine) == before  # the reporter is told once
    assert before[0].count("resolved") == 1
    assert before[2].count(f"escalation:{number}:resolved") == 1
    esc = stored(any_engine, number)
    assert (esc.resolved_by, esc.resolution) == ("UMARIA", "Budget raised")


def test_two_different_hand_offs_at_once_transfer_once(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.hand_off(first, escalation=a, actor=MARIA.id, to=LI, reason="Li owns budgets")
    first.commit()
    before = written(any_engine)
    late = life.hand_off(second, escalation=b, actor=DANA.id, to=SAM, reason="Sam knows")
    second.commit()
    assert (late.changed, late.refused) == (False, True)  # the form stays open, explained
    assert "changed meanwhile" in late.message and "<@ULI>" in late.message
    assert written(any_engine) == before
    assert not any(":USAM" in key for key in before[2])  # Sam was never told it is his
    assert stored(any_engine, number).routed_to == "ULI"


def test_the_same_hand_off_submitted_twice_is_one_transfer(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.hand_off(first, escalation=a, actor=MARIA.id, to=LI, reason="Li owns budgets")
    first.commit()
    before = written(any_engine)
    late = life.hand_off(second, escalation=b, actor=MARIA.id, to=LI, reason="Li owns budgets")
    second.commit()
    assert not late.changed and "<@ULI> already owns" in late.message
    assert written(any_engine) == before
    assert before[0].count("handed_off") == 1


def test_a_resolve_on_a_stale_view_changes_nothing_and_a_fresh_one_works(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.acknowledge(first, escalation=a, actor=MARIA.id)
    first.commit()
    before = written(any_engine)
    late = life.resolve(second, escalation=b, actor=DANA.id, note="Cut the scope")
    second.commit()
    assert (late.changed, late.refused) == (False, True)
    assert "now acknowledged" in late.message
    assert written(any_engine) == before
    with new_session(any_engine) as db:  # submitted again, it reads the escalation afresh
        step = life.resolve(db, escalation=db.get(Escalation, number), actor=DANA.id, note="Cut")
        db.commit()
    assert step.changed and stored(any_engine, number).status == "resolved"


def test_a_click_waiting_on_an_acknowledge_in_flight_records_nothing(any_engine, frozen_clock):
    number = raise_one(any_engine)
    first, a, second, b = two_requests(any_engine, number)
    life.acknowledge(first, escalation=a, actor=MARIA.id)  # written, not committed yet
    out: list = []

    def click() -> None:
        try:
            out.append(life.acknowledge(second, escalation=b, actor=MARIA.id))
            second.commit()
        except BaseException as exc:  # surfaced below
            out.append(exc)

    thread = threading.Thread(target=click, daemon=True)
    thread.start()
    wait_until_blocked_or_done(any_engine, thread)
    first.commit()
    thread.join(30)
    assert not thread.is_alive()
    [late] = out
    assert isinstance(late, life.Step), late
    assert not late.changed and "already acknowledged" in late.message
    events, audit, _ = written(any_engine)
    assert events.count("acknowledged") == 1
    assert audit.count("escalation.acknowledged") == 1
