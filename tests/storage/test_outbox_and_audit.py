"""Outbox intents are recorded once per key; the audit log appends and lists in order."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, select

from cadence import audit, outbox
from storage.db import session_scope
from storage.models import AuditEvent, OutboxMessage
from tests.conftest import FrozenClock
from tests.storage.factories import ADMIN, TEAM, add_workflow, count_rows


def test_enqueue_twice_with_one_key_keeps_the_first_row(any_db: Session) -> None:
    first = outbox.enqueue(
        any_db,
        key="gov:7:thread",
        method="chat.postMessage",
        payload={"channel": "CGOV", "text": "first"},
    )
    again = outbox.enqueue(
        any_db,
        key="gov:7:thread",
        method="chat.postMessage",
        payload={"channel": "CGOV", "text": "second"},
    )
    any_db.commit()

    assert again.id == first.id
    assert count_rows(any_db, OutboxMessage) == 1
    assert any_db.exec(select(OutboxMessage.payload)).one()["text"] == "first"


def test_enqueue_finds_a_row_an_earlier_unit_of_work_committed(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        first_id = outbox.post_message(db, key="dm:1", channel="UMARIA", text="Hello").id
    with session_scope(any_engine) as db:
        again = outbox.post_message(db, key="dm:1", channel="UMARIA", text="Hello again")
        assert again.id == first_id
        assert count_rows(db, OutboxMessage) == 1


def test_record_appends_an_event_with_its_detail(
    any_engine: Engine, frozen_clock: FrozenClock
) -> None:
    with session_scope(any_engine) as db:
        workflow = add_workflow(db)
        event = audit.record(
            db,
            team_id=TEAM,
            actor=ADMIN,
            action="owner.assigned",
            workflow_id=workflow.id,
            role="workflow",
            user="UMARIA",
        )
        assert event.id is not None  # flushed, so callers can refer to it at once

    with session_scope(any_engine) as db:
        stored = db.exec(select(AuditEvent)).one()
    assert (stored.team_id, stored.actor, stored.action, stored.workflow_id) == (
        TEAM,
        ADMIN,
        "owner.assigned",
        workflow.id,
    )
    assert stored.detail == {"role": "workflow", "user": "UMARIA"}
    assert stored.created_at == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_list_events_filters_by_team_workflow_and_action(any_db: Session) -> None:
    support = add_workflow(any_db, name="Support")
    billing = add_workflow(any_db, name="Billing")
    record = audit.record
    record(any_db, team_id=TEAM, actor=ADMIN, action="owner.assigned", workflow_id=support.id)
    record(any_db, team_id=TEAM, actor="UMARIA", action="vote.cast", workflow_id=support.id)
    record(any_db, team_id=TEAM, actor=ADMIN, action="owner.assigned", workflow_id=billing.id)
    record(any_db, team_id=TEAM, actor=ADMIN, action="council.member_added")
    record(any_db, team_id="T0ELSEWHERE", actor="UX", action="owner.assigned")
    any_db.commit()

    def actions(
        *, workflow_id: int | None = None, action: str | None = None
    ) -> list[tuple[str, int | None]]:
        events = audit.list_events(any_db, team_id=TEAM, workflow_id=workflow_id, action=action)
        return [(event.action, event.workflow_id) for event in events]

    assert actions() == [
        ("owner.assigned", support.id),
        ("vote.cast", support.id),
        ("owner.assigned", billing.id),
        ("council.member_added", None),
    ]
    assert actions(workflow_id=support.id) == [
        ("owner.assigned", support.id),
        ("vote.cast", support.id),
    ]
    assert actions(action="owner.assigned") == [
        ("owner.assigned", support.id),
        ("owner.assigned", billing.id),
    ]
    assert actions(workflow_id=billing.id, action="vote.cast") == []


def test_list_events_returns_oldest_first_whatever_the_storage_order(any_db: Session) -> None:
    # Written out of id order, so an unordered scan (PostgreSQL's heap order) would differ.
    for event_id in (30, 10, 20):
        any_db.add(
            AuditEvent(id=event_id, seq=event_id, team_id=TEAM, actor=ADMIN, action=f"a{event_id}")
        )
    any_db.commit()

    assert [event.id for event in audit.list_events(any_db, team_id=TEAM)] == [10, 20, 30]
