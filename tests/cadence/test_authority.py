"""Who may change the accountability map and the council."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from cadence.accountability import authority, council
from cadence.errors import NotAuthorized
from cadence.people import Person
from cadence.vocabulary import CouncilMatter, DecisionPoint, OwnerRole
from tests.cadence.helpers import (
    ADMIN,
    DANA,
    EVE,
    LI,
    MARIA,
    SAM,
    TEAM,
    WS_OWNER,
    assign,
    make_workflow,
    seat,
)


def _refusal(db: Session, actor, workflow=None) -> str:
    with pytest.raises(NotAuthorized) as caught:
        authority.require_map_authority(db, team_id=TEAM, actor=actor, workflow=workflow)
    return caught.value.user_message


@pytest.mark.parametrize("actor", [ADMIN, WS_OWNER], ids=["is_admin", "is_owner"])
def test_workspace_admins_and_owners_may_change_any_map(db: Session, actor) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    authority.require_map_authority(db, team_id=TEAM, actor=actor, workflow=support)
    authority.require_map_authority(db, team_id=TEAM, actor=actor)


def test_council_members_may_change_any_map(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI)
    authority.require_map_authority(db, team_id=TEAM, actor=LI, workflow=support)
    authority.require_map_authority(db, team_id=TEAM, actor=LI)


def test_removed_council_member_loses_map_authority(db: Session) -> None:
    support = make_workflow(db)
    seat(db, LI)
    council.remove_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    _refusal(db, LI, support)


def test_outcome_owner_may_change_only_their_own_workflow(db: Session) -> None:
    support = make_workflow(db, "Support resolution")
    fraud = make_workflow(db, "Fraud scoring")
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, fraud, OwnerRole.OUTCOME, SAM)

    authority.require_map_authority(db, team_id=TEAM, actor=MARIA, workflow=support)
    message = _refusal(db, MARIA, fraud)
    assert "the outcome owner of *Fraud scoring* (<@USAM>)" in message
    # Nor may they act where no workflow is in question (e.g. adding one).
    _refusal(db, MARIA)


def test_replaced_outcome_owner_loses_authority(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.OUTCOME, SAM)
    message = _refusal(db, MARIA, support)
    assert "(<@USAM>)" in message
    authority.require_map_authority(db, team_id=TEAM, actor=SAM, workflow=support)


@pytest.mark.parametrize("role", [OwnerRole.WORKFLOW, OwnerRole.STAGE])
def test_other_owner_roles_do_not_carry_map_authority(db: Session, role: OwnerRole) -> None:
    support = make_workflow(db)
    assign(db, support, role, DANA, stage="Intake" if role == OwnerRole.STAGE else None)
    _refusal(db, DANA, support)


def test_refusal_names_council_members_admin_and_outcome_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI, SAM)
    message = _refusal(db, EVE, support)
    assert message == (
        "Sorry, you can't change that. It can be done by a member of the AI council "
        "(<@ULI>, <@USAM>), a workspace admin or the outcome owner of *Support resolution* "
        "(<@UMARIA>)."
    )


def test_refusal_with_empty_council_and_no_outcome_owner(db: Session) -> None:
    support = make_workflow(db)
    message = _refusal(db, EVE, support)
    assert "the AI council (no members yet)" in message
    assert "a workspace admin" in message
    assert "the outcome owner of *Support resolution* (none yet)" in message


def test_refusal_without_a_workflow_names_council_or_admin(db: Session) -> None:
    message = _refusal(db, EVE)
    assert message == (
        "Sorry, you can't change that. It can be done by the AI council (no members yet) "
        "or a workspace admin."
    )


def test_refusal_shortens_a_large_council(db: Session) -> None:
    seat(db, *(Person(id=f"UC{i}") for i in range(7)))
    message = _refusal(db, EVE)
    assert "<@UC4>" in message
    assert "<@UC5>" not in message
    assert "and 2 more" in message


def test_council_authority_excludes_outcome_owners(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    with pytest.raises(NotAuthorized) as caught:
        authority.require_council_authority(db, team_id=TEAM, actor=MARIA)
    assert caught.value.user_message == (
        "Sorry, only the AI council (no members yet) or a workspace admin can change the "
        "AI council."
    )


def test_council_authority_for_members_and_admins(db: Session) -> None:
    authority.require_council_authority(db, team_id=TEAM, actor=ADMIN)
    authority.require_council_authority(db, team_id=TEAM, actor=WS_OWNER)
    seat(db, LI)
    authority.require_council_authority(db, team_id=TEAM, actor=LI)
    with pytest.raises(NotAuthorized, match=r"a member of the AI council \(<@ULI>\)"):
        authority.require_council_authority(db, team_id=TEAM, actor=EVE)


def test_admins_bootstrap_an_empty_council(db: Session) -> None:
    with pytest.raises(NotAuthorized):
        council.add_member(db, team_id=TEAM, person=EVE, actor=EVE)
    assert council.member_ids(db, team_id=TEAM) == []
    council.add_member(db, team_id=TEAM, person=LI, actor=ADMIN)
    # Once seated, a member can grow the council without an admin.
    council.add_member(db, team_id=TEAM, person=SAM, actor=LI)
    assert council.member_ids(db, team_id=TEAM) == ["ULI", "USAM"]


def test_council_membership_is_per_team(db: Session) -> None:
    seat(db, LI, team_id="T0OTHER")
    assert not authority.is_council_member(db, team_id=TEAM, user_id="ULI")
    assert authority.is_council_member(db, team_id="T0OTHER", user_id="ULI")
    _refusal(db, LI)


def test_council_matters_for_each_decision_point() -> None:
    assert authority.council_matters_for(DecisionPoint.INCIDENT_RESPONSE) == [
        CouncilMatter.SEV1_INCIDENT
    ]
    assert authority.council_matters_for(DecisionPoint.BUDGET) == [CouncilMatter.BUDGET_OVERRUN]
    assert authority.council_matters_for(DecisionPoint.MODEL_CHANGE) == []
    every = [m for p in DecisionPoint for m in authority.council_matters_for(p)]
    assert sorted(every) == sorted(CouncilMatter)
