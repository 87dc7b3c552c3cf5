"""The lifecycle and its authority rule: acknowledge, resolve, hand off, re-route, gaps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from cadence.errors import InvalidInput
from cadence.escalations import lifecycle as life
from cadence.escalations import queries, raising
from cadence.escalations.raising import Report, Severity
from cadence.vocabulary import DecisionPoint, OwnerRole
from storage.db import new_session
from storage.models import Escalation, EscalationEvent
from tests.cadence.helpers import (
    DANA,
    EVE,
    GONE,
    LI,
    MARIA,
    OTHER_TEAM,
    SAM,
    assign,
    audit_actions,
    make_workflow,
    outbox_by_key,
    outbox_keys,
    seat,
)


@pytest.fixture
def store(any_engine):
    """A session on SQLite and on PostgreSQL."""
    session = new_session(any_engine)
    yield session
    session.close()


def raised(db: Session, *, owner=MARIA, council=(), key="k1", team_workflow=None) -> Escalation:
    workflow = team_workflow or make_workflow(db)
    if owner is not None:
        assign(db, workflow, OwnerRole.OUTCOME, owner)
    seat(db, *council)
    report = Report(workflow, DecisionPoint.BUDGET, None, Severity.SEV3, "Over budget")
    return raising.raise_escalation(
        db, report=report, raised_by=EVE.id, source_channel_id="C0GENERAL", idempotency_key=key
    ).escalation


def kinds(db: Session, esc: Escalation) -> list[tuple[str, str, bool]]:
    rows = db.exec(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == esc.id)
        .order_by(col(EscalationEvent.id))
    ).all()
    return [(e.kind, e.actor, e.authorized) for e in rows]


def test_acknowledge_stamps_measures_and_refreshes_the_messages(store, frozen_clock) -> None:
    esc = raised(store)
    frozen_clock.advance(minutes=7)
    step = life.acknowledge(store, escalation=esc, actor=MARIA.id)
    store.commit()
    assert (step.changed, step.refused) == (True, False)
    assert (esc.status, esc.acknowledged_by, esc.ack_latency_seconds) == (
        "acknowledged",
        "UMARIA",
        420,
    )
    assert esc.acknowledged_at == esc.updated_at == frozen_clock.current
    assert kinds(store, esc)[-1] == ("acknowledged", "UMARIA", True)
    assert audit_actions(store)[-1] == "escalation.acknowledged"
    event_id = store.exec(
        select(EscalationEvent.id).order_by(col(EscalationEvent.id).desc())
    ).first()
    new = [k for k in outbox_keys(store) if f":{event_id}" in k]
    assert new == [
        f"escalation:{esc.id}:dm:UMARIA:update:{event_id}",
        f"escalation:{esc.id}:notice:update:{event_id}",
        f"escalation:{esc.id}:event:{event_id}",
    ]
    update = outbox_by_key(store)[new[0]]
    assert (update.method, update.payload["message_of"]) == (
        "chat.update",
        f"escalation:{esc.id}:dm:UMARIA",
    )
    assert outbox_by_key(store)[new[2]].payload["thread_of"] == f"escalation:{esc.id}:notice"
    keys = outbox_keys(store)
    again = life.acknowledge(store, escalation=esc, actor=MARIA.id)
    assert (again.changed, again.refused) == (False, False)
    assert "already acknowledged" in again.message
    assert outbox_keys(store) == keys and len(kinds(store, esc)) == 3


def test_someone_else_is_refused_and_the_attempt_is_evidence(store) -> None:
    esc = raised(store, council=[DANA])
    keys = outbox_keys(store)
    for _ in range(2):  # a double click is one attempt
        step = life.acknowledge(store, escalation=esc, actor=EVE.id)
    store.commit()
    assert (step.changed, step.refused) == (False, True)
    assert "<@UMARIA>" in step.message and "<@UDANA>" in step.message
    assert (esc.status, esc.routed_to, esc.acknowledged_at, esc.updated_at) == (
        "open",
        "UMARIA",
        None,
        None,
    )
    assert kinds(store, esc)[-1] == ("unauthorized_attempt", "UEVE", False)
    assert len(kinds(store, esc)) == 3
    assert audit_actions(store).count("escalation.unauthorized_attempt") == 1
    assert outbox_keys(store) == keys
    life.resolve(store, escalation=esc, actor=EVE.id, note="done")  # another action: recorded
    assert len(kinds(store, esc)) == 4 and esc.status == "open"


def test_a_council_member_may_act_and_takes_a_council_held_escalation(store) -> None:
    esc = raised(store, owner=None, council=[DANA, SAM])
    assert esc.routed_to is None
    step = life.acknowledge(store, escalation=esc, actor=SAM.id)
    assert step.changed and (esc.routed_to, esc.acknowledged_by) == ("USAM", "USAM")
    assert life.resolve(store, escalation=esc, actor=DANA.id, note="Council: stop").changed


def test_resolve_needs_a_note_closes_it_and_tells_the_reporter(store, frozen_clock) -> None:
    esc = raised(store)
    with pytest.raises(InvalidInput) as caught:
        life.resolve(store, escalation=esc, actor=MARIA.id, note="  ")
    assert caught.value.field == "note" and esc.status == "open"
    frozen_clock.advance(hours=2)
    life.resolve(store, escalation=esc, actor=MARIA.id, note=" Budget raised by finance ")
    store.commit()
    assert (esc.status, esc.resolved_by, esc.resolution) == (
        "resolved",
        "UMARIA",
        "Budget raised by finance",
    )
    assert (esc.resolve_latency_seconds, esc.ack_latency_seconds) == (7200, None)
    told = outbox_by_key(store)[f"escalation:{esc.id}:resolved"]
    assert told.payload["channel"] == "UEVE" and "Budget raised by finance" in told.payload["text"]
    keys = outbox_keys(store)
    for step in (
        life.resolve(store, escalation=esc, actor=MARIA.id, note="again"),
        life.acknowledge(store, escalation=esc, actor=MARIA.id),
        life.hand_off(store, escalation=esc, actor=MARIA.id, to=LI, reason="x"),
        life.acknowledge(store, escalation=esc, actor=EVE.id),
    ):
        assert (step.changed, step.refused) == (False, False)
        assert "already resolved" in step.message
    assert outbox_keys(store) == keys and kinds(store, esc)[-1][0] == "resolved"


def test_hand_off_is_an_explicit_transfer(store) -> None:
    esc = raised(store)
    life.acknowledge(store, escalation=esc, actor=MARIA.id)
    with pytest.raises(InvalidInput) as caught:
        life.hand_off(store, escalation=esc, actor=MARIA.id, to=GONE, reason="away")
    assert caught.value.field == "person"
    with pytest.raises(InvalidInput) as caught:
        life.hand_off(store, escalation=esc, actor=MARIA.id, to=LI, reason=" ")
    assert caught.value.field == "reason"
    same = life.hand_off(store, escalation=esc, actor=MARIA.id, to=MARIA, reason="mine")
    assert not same.changed and "already owns" in same.message
    step = life.hand_off(store, escalation=esc, actor=MARIA.id, to=LI, reason="Li owns budgets")
    store.commit()
    assert step.changed
    assert (esc.routed_to, esc.status, esc.routed_via) == (
        "ULI",
        "open",
        "handed off by <@UMARIA>: Li owns budgets",
    )
    (kind, actor, authorized) = kinds(store, esc)[-1]
    assert (kind, actor, authorized) == ("handed_off", "UMARIA", True)
    assert f"escalation:{esc.id}:dm:ULI" in outbox_keys(store)
    refused = life.acknowledge(store, escalation=esc, actor=MARIA.id)
    assert refused.refused  # Maria gave it away
    # Handing it back re-renders Maria's first DM and nudges her; no second DM with buttons.
    life.hand_off(store, escalation=esc, actor=LI.id, to=MARIA, reason="back to you")
    dms = [k for k in outbox_keys(store) if k.startswith(f"escalation:{esc.id}:dm:UMARIA")]
    assert dms[0] == f"escalation:{esc.id}:dm:UMARIA" and all(":update:" in k for k in dms[1:])
    assert any(f"escalation:{esc.id}:back:" in k for k in outbox_keys(store))


def test_reroute_climbs_a_tier_without_authority(store) -> None:
    esc = raised(store, council=[DANA, SAM])
    life.reroute(store, escalation=esc, to=LI.id, reason="no answer in 4 h", actor="cadence")
    store.commit()
    assert (esc.routed_to, esc.tier, esc.status) == ("ULI", 1, "open")
    assert kinds(store, esc)[-1] == ("rerouted", "cadence", False)
    assert f"escalation:{esc.id}:dm:ULI" in outbox_keys(store)
    life.reroute(store, escalation=esc, to=None, reason="no answer in 8 h", actor="cadence")
    assert (esc.routed_to, esc.tier) == (None, 2)
    keys = outbox_keys(store)
    assert {f"escalation:{esc.id}:dm:UDANA", f"escalation:{esc.id}:dm:USAM"} <= set(keys)
    life.reroute(store, escalation=esc, to=None, reason="same", actor="cadence")
    assert esc.tier == 2 and outbox_keys(store) == keys


def test_gaps_newest_first_for_this_workspace_only(store, frozen_clock) -> None:
    esc = raised(store, key="a")
    life.acknowledge(store, escalation=esc, actor=EVE.id)
    frozen_clock.advance(minutes=1)
    life.reroute(store, escalation=esc, to=LI.id, reason="silence", actor="cadence")
    frozen_clock.advance(minutes=1)
    life.acknowledge(store, escalation=esc, actor=LI.id)  # authorized: not a gap
    other = make_workflow(store, "Elsewhere", team_id=OTHER_TEAM)
    elsewhere = raised(store, owner=SAM, key="b", team_workflow=other)
    life.acknowledge(store, escalation=elsewhere, actor=EVE.id)
    store.commit()
    gaps = queries.recent_gaps(store, team_id=esc.team_id)
    assert [(g.event.kind, g.escalation.id, g.workflow_name) for g in gaps] == [
        ("rerouted", esc.id, "Support resolution"),
        ("unauthorized_attempt", esc.id, "Support resolution"),
    ]


def test_list_for_is_mine_and_open_ones_i_own(store) -> None:
    workflow = make_workflow(store)
    assign(store, workflow, OwnerRole.OUTCOME, MARIA)
    numbers = []
    for n in range(4):
        report = Report(workflow, DecisionPoint.BUDGET, None, Severity.SEV4, f"m{n}")
        raiser = EVE.id if n % 2 == 0 else SAM.id
        numbers.append(
            raising.raise_escalation(
                store,
                report=report,
                raised_by=raiser,
                source_channel_id=None,
                idempotency_key=f"k{n}",
            ).escalation
        )
    life.resolve(store, escalation=numbers[3], actor=MARIA.id, note="done")
    listed, total = queries.list_for(store, team_id=workflow.team_id, user_id=MARIA.id)
    assert [i.escalation.summary for i in listed] == ["m2", "m1", "m0"] and total == 3
    listed, total = queries.list_for(store, team_id=workflow.team_id, user_id=EVE.id, limit=1)
    assert [i.escalation.summary for i in listed] == ["m2"] and total == 2
    with pytest.raises(InvalidInput):
        queries.get_escalation(store, team_id=OTHER_TEAM, number=numbers[0].id)


def test_the_gaps_query_uses_its_index(db: Session) -> None:
    query = queries.gaps_query(team_id="T0TEAM")
    sql = query.compile(dialect=db.get_bind().dialect, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row) for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")).all())
    assert "SEARCH escalation_event USING INDEX ix_escalation_event_gaps" in plan


def test_latency_counts_the_first_acknowledgement(db: Session, frozen_clock) -> None:
    esc = raised(db)
    frozen_clock.advance(minutes=2)
    life.acknowledge(db, escalation=esc, actor=MARIA.id)
    life.hand_off(db, escalation=esc, actor=MARIA.id, to=LI, reason="holiday")
    frozen_clock.advance(minutes=10)
    life.acknowledge(db, escalation=esc, actor=LI.id)
    assert esc.ack_latency_seconds == 120
    assert esc.acknowledged_at - esc.created_at == timedelta(minutes=12)
