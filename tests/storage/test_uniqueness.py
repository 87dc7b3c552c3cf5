"""Uniqueness that matters lives in the schema: a second row for the same key is refused."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise

import pytest
from pytest import Subtests
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from storage.db import new_session
from storage.models import (
    CouncilMember,
    Decision,
    DecisionRight,
    Escalation,
    GovernanceSession,
    KpiLink,
    KpiNode,
    KpiValue,
    OutboxMessage,
    OwnerAssignment,
    ScorecardEntry,
    Vote,
    Workflow,
)
from tests.storage.factories import (
    ADMIN,
    ENDED,
    MONDAY,
    TEAM,
    add_session,
    add_workflow,
    assert_rejected_as_duplicate,
    count_rows,
    workflow_row,
)


@dataclass(frozen=True)
class Parents:
    """Rows the rows under test point at."""

    workflow_id: int
    session_id: int
    other_session_id: int
    kpi_node_id: int


# Each case gives (first, duplicate of first's key, row differing in one key column).
# The third row proves the builder makes valid rows, so the refusal is the key's doing.
Rows = tuple[SQLModel, SQLModel, SQLModel]


def governance_sessions(p: Parents) -> Rows:
    def row(week_offset: int, channel: str) -> GovernanceSession:
        week = MONDAY + timedelta(weeks=week_offset)
        return GovernanceSession(
            team_id="T1", workflow_id=p.workflow_id, week_start=week, channel_id=channel
        )

    return row(1, "CGOV"), row(1, "COTHER"), row(2, "CGOV")


def extra_sessions(p: Parents) -> Rows:
    def row(number: int, key: str) -> GovernanceSession:
        return GovernanceSession(
            team_id="T1", workflow_id=p.workflow_id, week_start=MONDAY, channel_id="CGOV",
            kind="extra", number=number, request_key=key,
        )  # fmt: skip

    return row(1, "review:1"), row(2, "review:1"), row(2, "review:2")


def extra_session_numbers(p: Parents) -> Rows:
    def row(number: int, key: str) -> GovernanceSession:
        return GovernanceSession(
            team_id="T1", workflow_id=p.workflow_id, week_start=MONDAY, channel_id="CGOV",
            kind="risk_review", number=number, request_key=key,
        )  # fmt: skip

    return row(1, "breach:1"), row(1, "breach:2"), row(2, "breach:3")


def votes(p: Parents) -> Rows:
    def row(voter: str, choice: str) -> Vote:
        return Vote(session_id=p.session_id, voter=voter, choice=choice)

    return row("UMARIA", "approve"), row("UMARIA", "reject"), row("ULI", "approve")


def decisions(p: Parents) -> Rows:
    def row(session_id: int, choice: str) -> Decision:
        return Decision(session_id=session_id, choice=choice, rationale="why", recorded_by=ADMIN)

    return row(p.session_id, "approve"), row(p.session_id, "pause"), row(p.other_session_id, "hold")


def outbox_messages(p: Parents) -> Rows:
    def row(key: str, method: str) -> OutboxMessage:
        return OutboxMessage(idempotency_key=key, method=method, payload={"channel": "C1"})

    return (
        row("gov:1", "chat.postMessage"),
        row("gov:1", "chat.update"),
        row("gov:2", "chat.postMessage"),
    )


def escalations(p: Parents) -> Rows:
    def row(key: str, summary: str) -> Escalation:
        return Escalation(
            team_id=TEAM,
            workflow_id=p.workflow_id,
            decision_point="budget",
            summary=summary,
            raised_by="UMARIA",
            idempotency_key=key,
        )

    return row("esc:1", "Over budget"), row("esc:1", "Again"), row("esc:2", "Over budget")


def scorecard_entries(p: Parents) -> Rows:
    def row(metric: str, value: float) -> ScorecardEntry:
        return ScorecardEntry(
            workflow_id=p.workflow_id,
            week_start=MONDAY,
            metric=metric,
            value=value,
            recorded_by=ADMIN,
        )

    return row("throughput", 10), row("throughput", 12), row("exception_rate", 0.1)


def decision_rights(p: Parents) -> Rows:
    def row(duty: str, party: str) -> DecisionRight:
        return DecisionRight(
            workflow_id=p.workflow_id,
            decision_point="budget",
            duty=duty,
            parties=[party],
            updated_by=ADMIN,
        )

    return row("approves", "council"), row("approves", "user:ULI"), row("executes", "council")


def kpi_nodes(p: Parents) -> Rows:
    def row(key: str, name: str) -> KpiNode:
        return KpiNode(
            workflow_id=p.workflow_id, level="driver", name=name, name_key=key, target=5,
            direction="lower", parent_id=p.kpi_node_id, set_by=ADMIN,
        )  # fmt: skip

    return row("churn", "Churn"), row("churn", "CHURN"), row("expansion", "Expansion")


def kpi_values(p: Parents) -> Rows:
    def row(week_offset: int, value: float) -> KpiValue:
        week = MONDAY + timedelta(weeks=week_offset)
        return KpiValue(workflow_id=p.workflow_id, node_id=p.kpi_node_id, week_start=week,
                        value=value, recorded_by=ADMIN)  # fmt: skip

    return row(0, 104), row(0, 105), row(1, 104)


def kpi_links(p: Parents) -> Rows:
    def row(metric: str) -> KpiLink:
        return KpiLink(
            workflow_id=p.workflow_id, metric=metric, node_id=p.kpi_node_id, set_by=ADMIN
        )

    return row("quality"), row("quality"), row("throughput")


UNIQUE_KEYS: dict[str, Callable[[Parents], Rows]] = {
    "weekly governance session per (workflow, week)": governance_sessions,
    "extra governance session per request key": extra_sessions,
    "extra governance session number per (workflow, week)": extra_session_numbers,
    "vote per (session, voter)": votes,
    "decision per session": decisions,
    "outbox message per idempotency key": outbox_messages,
    "escalation per idempotency key": escalations,
    "scorecard entry per (workflow, week, metric)": scorecard_entries,
    "decision right per (workflow, point, duty)": decision_rights,
    "KPI tree node per (workflow, name)": kpi_nodes,
    "KPI value per (node, week)": kpi_values,
    "KPI link per (workflow, scorecard metric)": kpi_links,
}


def add_parents(db: Session) -> Parents:
    """A workflow with governance sessions this week and last week."""
    workflow = add_workflow(db)
    assert workflow.id is not None
    this_week = add_session(db, workflow_id=workflow.id)
    last_week = add_session(db, workflow_id=workflow.id, week_start=MONDAY - timedelta(weeks=1))
    assert this_week.id is not None and last_week.id is not None
    goal = KpiNode(workflow_id=workflow.id, level="goal", name="NRR", name_key="nrr", target=110,
                   direction="higher", set_by=ADMIN)  # fmt: skip
    db.add(goal)
    db.flush()
    assert goal.id is not None
    return Parents(workflow.id, this_week.id, last_week.id, goal.id)


# The cases share one database (a fresh one per case costs more than the case itself);
# each runs in its own transaction and rolls back, leaving nothing for the next.
def test_second_row_for_the_same_key_is_refused(any_engine: Engine, subtests: Subtests) -> None:
    for name, rows in UNIQUE_KEYS.items():
        with subtests.test(name), new_session(any_engine) as db:
            first, duplicate, different = rows(add_parents(db))
            db.add_all([first, different])
            db.flush()

            assert_rejected_as_duplicate(db, duplicate)


# Rows "in force" are unique; ended rows are history and may repeat the key.
@dataclass(frozen=True)
class CurrentOnly:
    """A table with a partial unique index over its rows still in force."""

    build: Callable[[int, str], SQLModel]  # (workflow id, who/what differs) -> a current row
    end_column: str


CURRENT_ONLY: dict[str, CurrentOnly] = {
    "owner per (workflow, role, stage)": CurrentOnly(
        lambda workflow_id, who: OwnerAssignment(
            workflow_id=workflow_id, role="workflow", stage="", user_id=who, assigned_by=ADMIN
        ),
        "ended_at",
    ),
    "council member per (team, user)": CurrentOnly(
        lambda _workflow_id, who: CouncilMember(team_id=TEAM, user_id="UMARIA", added_by=who),
        "removed_at",
    ),
    "active workflow name per team": CurrentOnly(
        lambda _workflow_id, who: workflow_row(name="Refund approvals", created_by=who),
        "archived_at",
    ),
}


def test_two_current_rows_for_one_key_are_refused(any_engine: Engine, subtests: Subtests) -> None:
    for name, case in CURRENT_ONLY.items():
        with subtests.test(name), new_session(any_engine) as db:
            workflow_id = add_workflow(db, name="Owned workflow").id
            assert workflow_id is not None
            db.add(case.build(workflow_id, "UADMIN"))
            db.flush()

            assert_rejected_as_duplicate(db, case.build(workflow_id, "USAM"))


def test_ended_rows_are_kept_beside_the_current_one(any_engine: Engine, subtests: Subtests) -> None:
    for name, case in CURRENT_ONLY.items():
        with subtests.test(name), new_session(any_engine) as db:
            workflow_id = add_workflow(db, name="Owned workflow").id
            assert workflow_id is not None
            rows = [case.build(workflow_id, who) for who in ("UADMIN", "USAM", "UDANA")]
            db.add(rows[0])
            db.flush()
            for earlier, later in pairwise(rows):
                # Ending the row in force frees its key for the next one; the ended row stays.
                setattr(earlier, case.end_column, ENDED)
                db.add(later)
                db.flush()

            table = type(rows[0])
            ours = col(getattr(table, "id")).in_([row.id for row in rows])  # noqa: B009
            in_force = col(getattr(table, case.end_column)).is_(None)
            assert len(db.exec(select(table).where(ours)).all()) == 3
            assert db.exec(select(table).where(ours, in_force)).all() == [rows[-1]]


def test_an_active_workflow_name_may_repeat_in_another_team(any_db: Session) -> None:
    add_workflow(any_db, name="Refund approvals", team_id="T0ONE")
    add_workflow(any_db, name="Refund approvals", team_id="T0TWO")
    any_db.commit()
    assert count_rows(any_db, Workflow) == 2


def test_a_weekly_session_is_number_0_and_an_extra_one_is_not(any_engine: Engine) -> None:
    # With (workflow, week, number) unique, this is what makes one weekly thread per week.
    for kind, number in (("weekly", 1), ("extra", 0), ("risk_review", 0)):
        with new_session(any_engine) as db:
            workflow_id = add_workflow(db).id
            db.add(
                GovernanceSession(
                    team_id="T1",
                    workflow_id=workflow_id,
                    week_start=MONDAY,
                    channel_id="CGOV",
                    kind=kind,
                    number=number,
                )
            )
            with pytest.raises(IntegrityError) as caught:
                db.flush()
            assert "weekly_is_number_0" in str(caught.value.orig), (kind, number)
