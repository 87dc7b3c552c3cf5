"""The decision-rights map: defaults, stored differences, and who a party stands for."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from cadence.accountability import queries, rights
from cadence.accountability.queries import Owners
from cadence.errors import InvalidInput, NotAuthorized
from cadence.vocabulary import DecisionPoint, Duty, OwnerRole
from storage.models import DecisionRight
from tests.cadence.helpers import (
    ADMIN,
    EVE,
    GOV,
    LI,
    MARIA,
    SAM,
    assign,
    audit_rows,
    make_workflow,
    outbox_by_key,
    outbox_keys,
)


def _stored(db: Session) -> list[tuple[str, str, list[str]]]:
    rows = db.exec(select(DecisionRight).order_by(DecisionRight.id)).all()
    return [(r.decision_point, r.duty, list(r.parties)) for r in rows]


def _update(db: Session, workflow, wanted, actor=ADMIN):
    current = queries.current_owners(db, workflow_id=workflow.id)
    return rights.update_rights(db, workflow=workflow, owners=current, wanted=wanted, actor=actor)


def test_defaults_for_every_decision_point(db: Session) -> None:
    support = make_workflow(db)
    current = queries.rights_map(db, workflow_id=support.id)
    assert set(current) == set(DecisionPoint)
    for duties in current.values():
        assert duties == {
            Duty.RECOMMENDS: ["workflow_owner"],
            Duty.APPROVES: ["outcome_owner"],
            Duty.EXECUTES: ["workflow_owner"],
            Duty.INFORMED: ["council"],
        }


def test_default_map_is_a_fresh_copy() -> None:
    first = queries.default_map()
    first[DecisionPoint.BUDGET][Duty.APPROVES].append("council")
    assert queries.default_map()[DecisionPoint.BUDGET][Duty.APPROVES] == ["outcome_owner"]
    assert queries.DEFAULT_PARTIES[Duty.APPROVES] == ["outcome_owner"]


def test_update_stores_only_the_differences(db: Session) -> None:
    support = make_workflow(db)
    wanted = queries.default_map()
    wanted[DecisionPoint.BUDGET][Duty.APPROVES] = ["council"]
    wanted[DecisionPoint.MODEL_CHANGE][Duty.INFORMED] = ["council", "outcome_owner"]
    changes = _update(db, support, wanted)
    assert changes == [
        rights.RightsChange(
            DecisionPoint.MODEL_CHANGE, Duty.INFORMED, ["council"], ["council", "outcome_owner"]
        ),
        rights.RightsChange(DecisionPoint.BUDGET, Duty.APPROVES, ["outcome_owner"], ["council"]),
    ]
    assert sorted(_stored(db)) == [
        ("budget", "approves", ["council"]),
        ("model_change", "informed", ["council", "outcome_owner"]),
    ]
    in_force = queries.rights_map(db, workflow_id=support.id)
    assert in_force[DecisionPoint.BUDGET][Duty.APPROVES] == ["council"]
    assert in_force[DecisionPoint.COMPLIANCE][Duty.APPROVES] == ["outcome_owner"]


def test_partial_wanted_map_touches_only_what_it_names(db: Session) -> None:
    support = make_workflow(db)
    _update(db, support, {DecisionPoint.BUDGET: {Duty.EXECUTES: ["outcome_owner"]}})
    assert _stored(db) == [("budget", "executes", ["outcome_owner"])]


def test_no_differences_store_audit_and_announce_nothing(db: Session) -> None:
    support = make_workflow(db)
    before_keys = outbox_keys(db)
    assert _update(db, support, queries.default_map()) == []
    assert _stored(db) == []
    assert [e.action for e in audit_rows(db)] == ["workflow.added"]
    assert outbox_keys(db) == before_keys


def test_repeated_parties_are_collapsed(db: Session) -> None:
    support = make_workflow(db)
    [change] = _update(db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["council", "council"]}})
    assert change.after == ["council"]
    assert _stored(db) == [("budget", "approves", ["council"])]
    # Asking for the same thing again is no change.
    assert _update(db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["council"]}}) == []


def test_a_later_change_updates_the_stored_row(db: Session) -> None:
    support = make_workflow(db)
    _update(db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["council"]}})
    [change] = _update(
        db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["workflow_owner"]}}, actor=ADMIN
    )
    assert change.before == ["council"]
    assert _stored(db) == [("budget", "approves", ["workflow_owner"])]


def test_update_is_audited_and_announced(db: Session) -> None:
    support = make_workflow(db)
    wanted = {DecisionPoint.BUDGET: {Duty.APPROVES: ["council"], Duty.INFORMED: []}}
    _update(db, support, wanted)
    event = audit_rows(db)[-1]
    assert (event.action, event.actor, event.workflow_id) == (
        "rights.updated",
        "UADMIN",
        support.id,
    )
    assert event.detail == {
        "changes": [
            {
                "point": "budget",
                "duty": "approves",
                "before": ["outcome_owner"],
                "after": ["council"],
            },
            {"point": "budget", "duty": "informed", "before": ["council"], "after": []},
        ]
    }
    key = f"rights-updated:{event.id}:notice"
    assert outbox_keys(db)[-1] == key
    assert outbox_by_key(db)[key].payload == {
        "channel": GOV,
        "text": "<@UADMIN> updated the decision rights of *Support resolution*:\n"
        "• Budget — approves: Outcome owner → AI council\n"
        "• Budget — informed: AI council → nobody",
    }


def test_long_change_lists_are_summarised(db: Session) -> None:
    support = make_workflow(db)
    wanted = {p: {d: ["council"] for d in Duty if d != Duty.INFORMED} for p in DecisionPoint}
    changes = _update(db, support, wanted)
    assert len(changes) == 21
    text = outbox_by_key(db)[outbox_keys(db)[-1]].payload["text"]
    assert text.count("\n• ") == 16
    assert text.endswith("• …and 6 more")


@pytest.mark.parametrize("party", ["stage:Nowhere", "user:UEVE", "everyone"])
def test_unknown_party_is_refused_and_nothing_is_stored(db: Session, party: str) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    audit_before, outbox_before = len(audit_rows(db)), outbox_keys(db)
    wanted = {
        DecisionPoint.MODEL_CHANGE: {Duty.APPROVES: ["council"]},
        DecisionPoint.BUDGET: {Duty.APPROVES: ["outcome_owner", party]},
    }
    with pytest.raises(InvalidInput) as caught:
        _update(db, support, wanted)
    assert f"{rights.party_label(party)} is not a role on *Support resolution*" in (
        caught.value.user_message
    )
    assert caught.value.user_message.startswith("Budget / approves:")
    assert _stored(db) == []
    assert len(audit_rows(db)) == audit_before
    assert outbox_keys(db) == outbox_before


def test_an_existing_stage_may_be_named(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    _update(db, support, {DecisionPoint.ROLLOUT_GATE: {Duty.EXECUTES: ["stage:Intake"]}})
    assert _stored(db) == [("rollout_gate", "executes", ["stage:Intake"])]


def test_update_needs_map_authority(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    with pytest.raises(NotAuthorized):
        _update(db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["council"]}}, actor=EVE)
    assert _stored(db) == []
    _update(db, support, {DecisionPoint.BUDGET: {Duty.APPROVES: ["council"]}}, actor=MARIA)
    assert _stored(db) == [("budget", "approves", ["council"])]


def test_valid_parties_follow_the_stages() -> None:
    current = Owners(outcome="UMARIA", stages={"Intake": "USAM", "Review": "UEVE"})
    assert rights.valid_parties(current) == [
        "outcome_owner",
        "workflow_owner",
        "stage:Intake",
        "stage:Review",
        "council",
    ]


@pytest.mark.parametrize(
    ("token", "people"),
    [
        ("outcome_owner", ["UMARIA"]),
        ("workflow_owner", ["ULI"]),
        ("council", ["UC1", "UC2"]),
        ("stage:Intake", ["USAM"]),
        ("stage:Nowhere", []),
        ("stage:intake", []),
        ("user:UEVE", []),
    ],
)
def test_resolve_party_for_each_kind(token: str, people: list[str]) -> None:
    current = Owners(outcome="UMARIA", workflow="ULI", stages={"Intake": "USAM"})
    assert queries.resolve_party(token, current, ["UC1", "UC2"]) == people


@pytest.mark.parametrize("token", ["outcome_owner", "workflow_owner", "council", "stage:Intake"])
def test_resolve_party_when_nobody_holds_it(token: str) -> None:
    assert queries.resolve_party(token, Owners(), []) == []


def test_resolve_party_returns_a_copy_of_the_council() -> None:
    council_ids = ["UC1"]
    queries.resolve_party("council", Owners(), council_ids).append("UX")
    assert council_ids == ["UC1"]


def test_party_labels_and_change_descriptions() -> None:
    assert rights.party_label("outcome_owner") == "Outcome owner"
    assert rights.party_label("workflow_owner") == "Workflow owner"
    assert rights.party_label("council") == "AI council"
    assert rights.party_label(queries.stage_party("Intake")) == "Stage owner (Intake)"
    assert rights.party_label("stage:R&D") == "Stage owner (R&amp;D)"
    assert rights.party_label("mystery") == "mystery"
    change = rights.RightsChange(
        DecisionPoint.GOVERNANCE, Duty.APPROVES, [], ["council", "outcome_owner"]
    )
    assert rights.describe_change(change) == (
        "Weekly governance decision — approves: nobody → AI council, Outcome owner"
    )


def test_rights_follow_roles_not_people(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.OUTCOME, LI)
    current = queries.current_owners(db, workflow_id=support.id)
    [approver] = queries.rights_map(db, workflow_id=support.id)[DecisionPoint.BUDGET][Duty.APPROVES]
    assert queries.resolve_party(approver, current, []) == ["ULI"]
