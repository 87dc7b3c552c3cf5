"""The 30-day reset's rules: its calendar, how items are judged, who may start, steer and stop
it, and the checks that read the data (owners, rights confirmation, follow-through, gaps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from cadence.accountability import confirmations, queries, rights
from cadence.errors import Conflict, InvalidInput, NotAuthorized
from cadence.escalations import gap_notes
from cadence.reset import checklist, duties, lifecycle
from cadence.reset.calendar import ResetCalendar
from cadence.reset.items import ITEMS, Evidence, ItemKey, ItemState, judge, tally
from cadence.vocabulary import DecisionPoint, Duty, OwnerRole, ResetStatus, SessionKind
from storage import clock
from storage.models import (
    AccountabilityReset,
    ActionItem,
    Decision,
    Escalation,
    EscalationEvent,
    GovernanceSession,
    Reminder,
    RightsConfirmation,
    Workflow,
    pk,
)
from tests.cadence.helpers import (
    DANA,
    EVE,
    LI,
    MARIA,
    SAM,
    TEAM,
    assign,
    audit_actions,
    make_workflow,
    outbox_keys,
    seat,
)
from tests.conftest import FrozenClock
from tests.storage.factories import assert_rejected_as_duplicate

WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
START = date(2026, 11, 25)


@pytest.fixture
def moment() -> FrozenClock:
    frozen = FrozenClock(WEDNESDAY)
    clock.set_clock(frozen)
    yield frozen
    clock.set_clock(None)


@pytest.fixture
def support(db: Session, moment: FrozenClock) -> Workflow:
    workflow = make_workflow(db)
    assign(db, workflow, OwnerRole.OUTCOME, MARIA)
    seat(db, DANA)
    return workflow


def start(db: Session, workflow: Workflow, user: str = MARIA.id, reason: str | None = None):
    return lifecycle.start_reset(
        db, workflow=workflow, actor_id=user, reason=reason, default_zone="UTC"
    )


def item(db: Session, reset: AccountabilityReset, key: ItemKey):
    return next(r for r in checklist.evaluate(db, reset=reset) if r.key == key)


# ----- the calendar and the judging of items ---------------------------------------------------


def test_the_calendar_of_a_reset_started_on_a_wednesday() -> None:
    calendar = ResetCalendar(START, "UTC")
    assert [calendar.week_last_day(w) for w in (1, 2, 3, 4)] == [
        date(2026, 12, 1), date(2026, 12, 8), date(2026, 12, 15), date(2026, 12, 24),
    ]  # fmt: skip
    assert calendar.deadline(1) == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)
    assert calendar.ends_at == datetime(2026, 12, 25, 0, 0, tzinfo=UTC)
    assert calendar.review_at == datetime(2026, 12, 22, 9, 0, tzinfo=UTC)  # day 28
    assert calendar.mondays() == [date(2026, 11, 30), date(2026, 12, 7), date(2026, 12, 14),
                                  date(2026, 12, 21)]  # fmt: skip
    assert calendar.monday_due(datetime(2026, 11, 30, 8, 59, tzinfo=UTC)) is None
    assert calendar.monday_due(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == date(2026, 11, 30)
    assert calendar.monday_due(datetime(2026, 12, 1, 9, 0, tzinfo=UTC)) is None
    assert calendar.week_of(datetime(2026, 12, 2, 0, 0, tzinfo=UTC)) == 2
    # In Paris, a week ends at local midnight (23:00 UTC in winter).
    paris = ResetCalendar(START, "Europe/Paris")
    assert paris.deadline(1) == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)


def test_an_item_is_done_done_late_open_late_or_missed() -> None:
    spec = ITEMS[1]
    deadline = datetime(2026, 12, 2, tzinfo=UTC)
    before, after = deadline - timedelta(hours=1), deadline + timedelta(hours=1)
    done = Evidence(True, "x", MARIA.id, before)
    states = [
        judge(spec, done, deadline=deadline, moment=after, ended=False).state,
        judge(spec, Evidence(True, "x", MARIA.id, after), deadline=deadline, moment=after,
              ended=False).state,
        judge(spec, Evidence(False), deadline=deadline, moment=before, ended=False).state,
        judge(spec, Evidence(False), deadline=deadline, moment=after, ended=False).state,
        judge(spec, Evidence(False), deadline=deadline, moment=after, ended=True).state,
    ]  # fmt: skip
    assert states == [ItemState.DONE, ItemState.DONE_LATE, ItemState.OPEN, ItemState.LATE,
                      ItemState.MISSED]  # fmt: skip
    results = [judge(spec, done, deadline=deadline, moment=after, ended=True)]
    results.append(judge(spec, Evidence(False), deadline=deadline, moment=after, ended=True))
    assert {k: len(v) for k, v in tally(results).items()} == {"done": 1, "late": 0, "missed": 1}


# ----- who may start, steer and stop ------------------------------------------------------------


def test_only_the_outcome_owner_or_the_council_starts_a_reset(db: Session, support) -> None:
    with pytest.raises(NotAuthorized, match="outcome owner"):
        start(db, support, EVE.id)
    assert db.exec(select(AccountabilityReset)).all() == []
    reset = start(db, support)
    assert (reset.start_day, reset.status, reset.parallel_reason) == (START, "running", None)
    assert "reset.started" in audit_actions(db)
    assert checklist.checklist_key(pk(reset)) in outbox_keys(db)
    with pytest.raises(Conflict, match="already in a 30-day reset"):
        start(db, support, DANA.id, reason="again")


def test_a_second_reset_needs_a_council_member_and_a_reason(db: Session, support) -> None:
    start(db, support)
    billing = make_workflow(db, "Billing disputes")
    assign(db, billing, OwnerRole.OUTCOME, SAM)
    with pytest.raises(NotAuthorized, match="only a member of the AI council"):
        start(db, billing, SAM.id, reason="we want both")
    with pytest.raises(InvalidInput, match="say why"):
        start(db, billing, DANA.id)
    assert len(lifecycle.running(db, team_id=TEAM)) == 1
    second = start(db, billing, DANA.id, reason="Billing is bleeding money")
    assert second.parallel_reason == "Billing is bleeding money"
    assert len(lifecycle.running(db, team_id=TEAM)) == 2


def test_the_schema_refuses_a_second_focus_without_a_reason(db: Session, support) -> None:
    start(db, support)
    billing = make_workflow(db, "Billing disputes")
    db.commit()
    row = AccountabilityReset(team_id=TEAM, workflow_id=pk(billing), started_by=DANA.id,
                              start_day=START, timezone="UTC")  # fmt: skip
    assert_rejected_as_duplicate(db, row)


def test_stopping_early_takes_a_reason_and_tells_channel_and_council(db: Session, support):
    reset = start(db, support)
    with pytest.raises(NotAuthorized):
        lifecycle.stop_reset(db, reset=reset, actor_id=EVE.id, reason="bored", default_zone="UTC")
    with pytest.raises(InvalidInput, match="takes a reason"):
        lifecycle.stop_reset(db, reset=reset, actor_id=MARIA.id, reason="  ", default_zone="UTC")
    assert reset.ended_at is None
    assert lifecycle.stop_reset(db, reset=reset, actor_id=MARIA.id,
                                reason="the team moves to billing", default_zone="UTC")  # fmt: skip
    assert (reset.status, reset.end_reason) == ("stopped", "the team moves to billing")
    assert len(reset.outcome) == len(ITEMS)
    keys = outbox_keys(db)
    assert f"reset:{reset.id}:summary:{support.channel_id}" in keys
    assert f"reset:{reset.id}:summary:{DANA.id}" in keys  # no council channel: a DM
    assert not lifecycle.stop_reset(db, reset=reset, actor_id=MARIA.id, reason="twice",
                                    default_zone="UTC")  # fmt: skip
    assert audit_actions(db).count("reset.stopped") == 1


# ----- the checks -------------------------------------------------------------------------------


def test_owners_count_from_when_both_roles_were_first_held(db: Session, support, moment):
    reset = start(db, support)
    assert item(db, reset, ItemKey.OWNERS_ASSIGNED).missing == "no workflow owner"
    moment.advance(hours=2)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    first = item(db, reset, ItemKey.OWNERS_ASSIGNED)
    assert first.state == ItemState.DONE and first.when == WEDNESDAY + timedelta(hours=2)
    moment.advance(days=14)  # a hand-over weeks later does not make week 1 late
    assign(db, support, OwnerRole.WORKFLOW, SAM)
    again = item(db, reset, ItemKey.OWNERS_ASSIGNED)
    assert again.state == ItemState.DONE and again.when == first.when
    assert f"workflow <@{SAM.id}>" in again.detail


def test_a_rights_confirmation_is_void_once_the_rights_change(db: Session, support) -> None:
    reset = start(db, support)
    refused = confirmations.confirm_rights(db, workflow=support, actor_id=EVE.id)
    assert "only a member of the AI council" in refused
    assert db.exec(select(RightsConfirmation)).all() == []
    assert "rights.confirm_refused" in audit_actions(db)
    confirmations.confirm_rights(db, workflow=support, actor_id=DANA.id)
    assert item(db, reset, ItemKey.RIGHTS_CONFIRMED).state == ItemState.DONE
    wanted = queries.rights_map(db, workflow_id=pk(support))
    wanted[DecisionPoint.BUDGET][Duty.APPROVES] = [queries.COUNCIL]
    rights.update_rights(db, workflow=support, owners=queries.current_owners(
        db, workflow_id=pk(support)), wanted=wanted, actor=DANA)  # fmt: skip
    void = item(db, reset, ItemKey.RIGHTS_CONFIRMED)
    assert void.state == ItemState.OPEN and "the rights changed since" in void.missing
    confirmations.confirm_rights(db, workflow=support, actor_id=DANA.id)
    assert item(db, reset, ItemKey.RIGHTS_CONFIRMED).state == ItemState.DONE


def _decide(db: Session, workflow: Workflow, at: datetime, *, kind: str = "weekly",
            choice: str = "continue", number: int = 0) -> Decision:  # fmt: skip
    session = GovernanceSession(team_id=TEAM, workflow_id=pk(workflow), week_start=at.date(),
                                kind=kind, number=number, channel_id=workflow.channel_id,
                                status="decided")  # fmt: skip
    db.add(session)
    db.flush()
    decision = Decision(session_id=pk(session), choice=choice, rationale="r",
                        recorded_by=MARIA.id, created_at=at)  # fmt: skip
    db.add(decision)
    db.flush()
    return decision


def test_sessions_and_their_follow_through(db: Session, support, moment) -> None:
    reset = start(db, support)
    first = _decide(db, support, WEDNESDAY + timedelta(days=2))
    _decide(db, support, WEDNESDAY + timedelta(days=3), choice="skipped")
    _decide(db, support, WEDNESDAY + timedelta(days=4), kind=SessionKind.RESET_REVIEW, number=2)
    sessions = item(db, reset, ItemKey.SESSIONS_DECIDED)
    assert sessions.state == ItemState.OPEN and sessions.missing == "1 of 2 so far"
    _decide(db, support, WEDNESDAY + timedelta(days=9), kind="extra", number=3)
    assert item(db, reset, ItemKey.SESSIONS_DECIDED).when == WEDNESDAY + timedelta(days=9)

    action = ActionItem(workflow_id=pk(support), decision_id=pk(first), description="Runbook",
                        owner_id=LI.id, due_on=date(2026, 12, 10), created_by=MARIA.id)  # fmt: skip
    db.add(action)
    db.flush()
    moment.current = datetime(2026, 12, 16, 10, 0, tzinfo=UTC)  # overdue, and week 3 is over
    overdue = item(db, reset, ItemKey.FOLLOW_THROUGH)
    assert overdue.state == ItemState.LATE and "1 follow-up overdue" in overdue.missing
    assert f"<@{LI.id}>: do it" in overdue.act
    action.status, action.completed_at, action.completed_by = "done", moment.current, LI.id
    db.add(action)
    late = item(db, reset, ItemKey.FOLLOW_THROUGH)
    assert late.state == ItemState.DONE_LATE and late.when == moment.current and late.who == LI.id


def _gap(db: Session, workflow: Workflow) -> EscalationEvent:
    escalation = Escalation(team_id=TEAM, workflow_id=pk(workflow), decision_point="incident",
                            summary="s", raised_by=EVE.id, routed_to=MARIA.id,
                            idempotency_key=f"k{datetime.now().timestamp()}")  # fmt: skip
    db.add(escalation)
    db.flush()
    event = EscalationEvent(escalation_id=pk(escalation), kind="unauthorized_attempt",
                            actor=EVE.id, authorized=False)  # fmt: skip
    db.add(event)
    db.flush()
    return event


def test_gaps_close_by_the_outcome_owners_note_or_a_later_hand_off(db: Session, support, moment):
    reset = start(db, support)
    assert item(db, reset, ItemKey.GAPS_CLOSED).detail == "no ownership gaps on record"
    noted, handed = _gap(db, support), _gap(db, support)
    still = item(db, reset, ItemKey.GAPS_CLOSED)
    assert still.state == ItemState.OPEN and "2 of 2 gaps open" in still.missing
    with pytest.raises(NotAuthorized, match="acknowledged by its outcome owner"):
        gap_notes.acknowledge_gap(db, event_id=pk(noted), team_id=TEAM, actor_id=LI.id, note="n")
    with pytest.raises(InvalidInput, match="in a note"):
        gap_notes.acknowledge_gap(db, event_id=pk(noted), team_id=TEAM, actor_id=MARIA.id,
                                  note="   ")  # fmt: skip
    moment.advance(hours=1)
    gap_notes.acknowledge_gap(db, event_id=pk(noted), team_id=TEAM, actor_id=MARIA.id,
                              note="Eve is not on the rota")  # fmt: skip
    assert "1 of 2 gaps open" in item(db, reset, ItemKey.GAPS_CLOSED).missing
    moment.advance(hours=1)
    db.add(EscalationEvent(escalation_id=handed.escalation_id, kind="handed_off",
                           actor=MARIA.id, authorized=True, created_at=moment.current))  # fmt: skip
    db.flush()
    closed = item(db, reset, ItemKey.GAPS_CLOSED)
    assert closed.state == ItemState.DONE and closed.who == MARIA.id
    assert closed.detail == "2 closed (acknowledged, handed off)"
    assert audit_actions(db).count("gap.acknowledged") == 1


# ----- the job: each step once ------------------------------------------------------------------


def test_the_job_does_each_step_once(db: Session, support, moment) -> None:
    reset = start(db, support)
    moment.current = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    for _ in range(3):
        duties.run_duties(db, reset_id=pk(reset), default_zone="UTC")
    assert [r.subject for r in db.exec(select(Reminder)).all()] == [
        f"reset:{reset.id}:week:2026-11-30"
    ]
    moment.current = datetime(2026, 12, 22, 9, 0, tzinfo=UTC)
    for _ in range(2):
        duties.run_duties(db, reset_id=pk(reset), default_zone="UTC")
    reviews = db.exec(select(GovernanceSession).where(GovernanceSession.kind == "reset_review"))
    [review] = reviews.all()
    assert (reset.review_session_id, review.title) == (review.id, "30-day review")
    moment.current = datetime(2026, 12, 25, 3, 0, tzinfo=UTC)
    assert duties.run_duties(db, reset_id=pk(reset), default_zone="UTC") == [
        f"reset {reset.id} finished"
    ]
    assert duties.run_duties(db, reset_id=pk(reset), default_zone="UTC") == []
    assert reset.status == ResetStatus.FINISHED
    assert reset.ended_at == datetime(2026, 12, 25, 0, 0, tzinfo=UTC)
    summaries = [k for k in outbox_keys(db) if ":summary:" in k]
    assert summaries == [f"reset:{reset.id}:summary:{support.channel_id}",
                         f"reset:{reset.id}:summary:{DANA.id}"]  # fmt: skip
    missed = tally(checklist.evaluate(db, reset=reset))["missed"]
    assert ItemKey.NEXT_FOCUS in [r.key for r in missed]


def test_checklist_updates_are_coalesced_like_the_tally(db: Session, support, moment) -> None:
    reset = start(db, support)
    assert not checklist.refresh_if_changed(db, reset=reset, default_zone="UTC")  # unchanged
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assert checklist.refresh_if_changed(db, reset=reset, default_zone="UTC")
    confirmations.confirm_rights(db, workflow=support, actor_id=DANA.id)
    # Changed again while an update waits: no second update (the waiting one reads the data).
    assert not checklist.refresh_if_changed(db, reset=reset, default_zone="UTC")
    [waiting] = [k for k in outbox_keys(db) if k.startswith(checklist.refresh_key_prefix(1))]
    assert checklist.take_refresh(db, reset_id=pk(reset), key=waiting)
    db.refresh(reset)
    assert reset.refresh_queued is False
    seat(db, SAM)  # nothing the checklist shows: still nothing to send
    assert not checklist.refresh_if_changed(db, reset=reset, default_zone="UTC")
    moment.advance(days=1)  # a new day is shown ("day 2 of 30"): one more update
    assert checklist.refresh_if_changed(db, reset=reset, default_zone="UTC")
