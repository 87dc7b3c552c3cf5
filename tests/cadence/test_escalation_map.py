"""The escalation map: who holds each duty, and every gap called out."""

from __future__ import annotations

from sqlmodel import Session

from cadence.accountability import council, escalation_map, queries, rights
from cadence.people import Person
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty, OwnerRole
from tests.cadence.helpers import (
    ADMIN,
    EVE,
    LI,
    MARIA,
    SAM,
    TEAM,
    assign,
    make_workflow,
    seat,
)

NO_COUNCIL = "no AI council yet: council-only matters have nowhere to go"


def _row(result: escalation_map.EscalationMap, point: DecisionPoint) -> escalation_map.MapRow:
    return next(r for r in result.rows if r.point == point)


def _line(row: escalation_map.MapRow, duty: Duty) -> escalation_map.DutyLine:
    return next(d for d in row.duties if d.duty == duty)


def _set_right(db: Session, workflow, point: DecisionPoint, duty: Duty, parties: list[str]):
    current = queries.current_owners(db, workflow_id=workflow.id)
    rights.update_rights(
        db, workflow=workflow, owners=current, wanted={point: {duty: parties}}, actor=ADMIN
    )


def _staffed(db: Session):
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    seat(db, EVE)
    return support


def test_fully_staffed_map_has_no_gaps(db: Session) -> None:
    support = _staffed(db)
    result = escalation_map.build_map(db, workflow=support, people={})
    assert result.gaps == []
    assert all(row.gaps == [] for row in result.rows)
    assert [r.point for r in result.rows] == list(DecisionPoint)
    budget = _row(result, DecisionPoint.BUDGET)
    assert [(d.duty, d.parties, d.people) for d in budget.duties] == [
        (Duty.RECOMMENDS, ["workflow_owner"], ["ULI"]),
        (Duty.APPROVES, ["outcome_owner"], ["UMARIA"]),
        (Duty.EXECUTES, ["workflow_owner"], ["ULI"]),
        (Duty.INFORMED, ["council"], ["UEVE"]),
    ]
    assert (result.owners.outcome, result.council_ids) == ("UMARIA", ["UEVE"])


def test_empty_workflow_lists_every_missing_piece(db: Session) -> None:
    support = make_workflow(db)
    result = escalation_map.build_map(db, workflow=support, people={})
    assert result.gaps == ["no outcome owner", "no workflow owner", NO_COUNCIL]
    for row in result.rows:
        assert row.gaps == ["recommender unset", "approver unset", "executor unset"]


def test_no_council_gap_only_while_the_council_is_empty(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assert escalation_map.build_map(db, workflow=support, people={}).gaps == [NO_COUNCIL]
    seat(db, EVE)
    assert escalation_map.build_map(db, workflow=support, people={}).gaps == []
    council.remove_member(db, team_id=TEAM, person=EVE, actor=ADMIN)
    assert escalation_map.build_map(db, workflow=support, people={}).gaps == [NO_COUNCIL]


def test_approver_set_to_nobody_is_a_gap(db: Session) -> None:
    support = _staffed(db)
    _set_right(db, support, DecisionPoint.BUDGET, Duty.APPROVES, [])
    result = escalation_map.build_map(db, workflow=support, people={})
    assert _row(result, DecisionPoint.BUDGET).gaps == ["approver unset"]
    assert _row(result, DecisionPoint.COMPLIANCE).gaps == []


def test_informing_nobody_is_not_a_gap(db: Session) -> None:
    support = _staffed(db)
    _set_right(db, support, DecisionPoint.BUDGET, Duty.INFORMED, [])
    assert (
        _row(escalation_map.build_map(db, workflow=support, people={}), DecisionPoint.BUDGET).gaps
        == []
    )


def test_approver_who_left_is_a_gap_deactivated(db: Session) -> None:
    support = _staffed(db)
    people = {"UMARIA": Person(id="UMARIA", deleted=True), "ULI": Person(id="ULI")}
    result = escalation_map.build_map(db, workflow=support, people=people)
    assert result.gaps == ["outcome owner <@UMARIA> has left the workspace"]
    for row in result.rows:
        assert row.gaps == ["approver <@UMARIA> has left the workspace"]


def test_approver_who_no_longer_exists_is_a_gap(db: Session) -> None:
    support = _staffed(db)
    result = escalation_map.build_map(db, workflow=support, people={"ULI": None})
    assert result.gaps == ["workflow owner <@ULI> has left the workspace"]
    assert _row(result, DecisionPoint.BUDGET).gaps == [
        "recommender <@ULI> has left the workspace",
        "executor <@ULI> has left the workspace",
    ]


def test_people_missing_from_the_mapping_count_as_present(db: Session) -> None:
    assert escalation_map.has_left("UX", {}) is False
    assert escalation_map.has_left("UX", {"UX": Person(id="UX")}) is False
    assert escalation_map.has_left("UX", {"UX": Person(id="UX", deleted=True)}) is True
    assert escalation_map.has_left("UX", {"UX": None}) is True


def test_council_member_who_left_is_a_gap_where_the_council_acts(db: Session) -> None:
    support = _staffed(db)
    _set_right(db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["council"])
    result = escalation_map.build_map(db, workflow=support, people={"UEVE": None})
    assert _row(result, DecisionPoint.BUDGET).gaps == [
        "approver <@UEVE> has left the workspace",
        "informed party <@UEVE> has left the workspace",
    ]
    assert _row(result, DecisionPoint.COMPLIANCE).gaps == [
        "informed party <@UEVE> has left the workspace"
    ]


def test_approver_set_to_an_empty_council_is_unset(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    _set_right(db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["council"])
    result = escalation_map.build_map(db, workflow=support, people={})
    assert _row(result, DecisionPoint.BUDGET).gaps == ["approver unset"]


def test_stage_owner_who_left_is_a_gap(db: Session) -> None:
    support = _staffed(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Exception handling")
    assign(db, support, OwnerRole.STAGE, EVE, stage="Intake")
    _set_right(db, support, DecisionPoint.MODEL_CHANGE, Duty.EXECUTES, ["stage:Exception handling"])
    people = {"USAM": Person(id="USAM", deleted=True)}
    result = escalation_map.build_map(db, workflow=support, people=people)
    assert result.gaps == ["stage owner for “Exception handling” <@USAM> has left the workspace"]
    model = _row(result, DecisionPoint.MODEL_CHANGE)
    assert _line(model, Duty.EXECUTES).people == ["USAM"]
    assert model.gaps == ["executor <@USAM> has left the workspace"]


def test_a_person_named_twice_for_a_duty_is_reported_once(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, MARIA)
    _set_right(
        db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["outcome_owner", "workflow_owner"]
    )
    result = escalation_map.build_map(db, workflow=support, people={"UMARIA": None})
    budget = _row(result, DecisionPoint.BUDGET)
    assert _line(budget, Duty.APPROVES).people == ["UMARIA", "UMARIA"]
    assert budget.gaps.count("approver <@UMARIA> has left the workspace") == 1


def test_council_matters_attached_to_their_decision_points(db: Session) -> None:
    support = _staffed(db)
    result = escalation_map.build_map(db, workflow=support, people={})
    attached = {row.point: row.council_matters for row in result.rows}
    assert attached == {
        DecisionPoint.MODEL_CHANGE: [],
        DecisionPoint.POLICY_EXCEPTION: [CouncilMatter.EXTERNAL_COMMITMENT],
        DecisionPoint.INCIDENT_RESPONSE: [CouncilMatter.SEV1_INCIDENT],
        DecisionPoint.ROLLOUT_GATE: [CouncilMatter.RISK_TIER_CHANGE],
        DecisionPoint.BUDGET: [CouncilMatter.BUDGET_OVERRUN],
        DecisionPoint.COMPLIANCE: [CouncilMatter.COMPLIANCE_EXCEPTION],
        DecisionPoint.GOVERNANCE: [CouncilMatter.MAJOR_PIVOT],
    }


def test_people_to_check_covers_owners_and_council(db: Session) -> None:
    support = _staffed(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    assert escalation_map.people_to_check(db, workflow=support) == {
        "UMARIA",
        "ULI",
        "USAM",
        "UEVE",
    }
