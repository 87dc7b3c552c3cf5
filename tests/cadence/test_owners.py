"""Owner assignments: who holds each role, with history, audit and notices."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from cadence.accountability import owners, queries
from cadence.errors import InvalidInput, NotAuthorized
from cadence.vocabulary import OwnerRole
from tests.cadence.helpers import (
    EVE,
    GONE,
    GOV,
    HELPER_BOT,
    LI,
    MARIA,
    SAM,
    SLACKBOT,
    assign,
    audit_rows,
    make_workflow,
    outbox_by_key,
    outbox_keys,
    outbox_rows,
)


def test_first_assignment_is_current_and_has_no_previous(db: Session) -> None:
    support = make_workflow(db)
    result = assign(db, support, OwnerRole.OUTCOME, MARIA)
    assert result.changed is True
    assert result.previous is None
    assert (result.assignment.user_id, result.assignment.assigned_by) == ("UMARIA", "UADMIN")
    assert result.assignment.stage == ""
    assert queries.current_owners(db, workflow_id=support.id).outcome == "UMARIA"


def test_roles_are_held_independently(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    assign(db, support, OwnerRole.STAGE, EVE, stage="Exception handling")
    current = queries.current_owners(db, workflow_id=support.id)
    assert (current.outcome, current.workflow) == ("UMARIA", "ULI")
    assert current.stages == {"Intake": "USAM", "Exception handling": "UEVE"}
    assert current.gaps() == []
    assert current.user_ids() == {"UMARIA", "ULI", "USAM", "UEVE"}


def test_owners_are_per_workflow(db: Session) -> None:
    support = make_workflow(db, "Support resolution")
    fraud = make_workflow(db, "Fraud scoring")
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assert queries.current_owners(db, workflow_id=fraud.id).outcome is None
    assert queries.current_owners(db, workflow_id=fraud.id).gaps() == [
        "no outcome owner",
        "no workflow owner",
    ]


def test_reassignment_ends_the_previous_row_and_keeps_history(db: Session, frozen_clock) -> None:
    support = make_workflow(db)
    started = frozen_clock.current
    first = assign(db, support, OwnerRole.OUTCOME, MARIA).assignment
    frozen_clock.advance(days=1)
    second_time = frozen_clock.current
    result = owners.assign_owner(
        db, workflow=support, role=OwnerRole.OUTCOME, person=SAM, actor=MARIA
    )
    frozen_clock.advance(days=1)
    third_time = frozen_clock.current
    assign(db, support, OwnerRole.OUTCOME, LI)

    assert result.previous == "UMARIA"
    assert result.changed is True
    db.expire_all()
    history = queries.owner_history(db, workflow_id=support.id)
    assert [(h.user_id, h.assigned_by) for h in history] == [
        ("UMARIA", "UADMIN"),
        ("USAM", "UMARIA"),
        ("ULI", "UADMIN"),
    ]
    assert [h.created_at for h in history] == [started, second_time, third_time]
    # Each row was ended once, by whoever replaced its holder, and never touched again.
    assert [(h.ended_at, h.ended_by) for h in history] == [
        (second_time, "UMARIA"),
        (third_time, "UADMIN"),
        (None, None),
    ]
    assert history[0].id == first.id
    assert queries.current_owners(db, workflow_id=support.id).outcome == "ULI"


def test_assigning_the_same_person_again_changes_nothing(db: Session) -> None:
    support = make_workflow(db)
    first = assign(db, support, OwnerRole.WORKFLOW, LI)
    audit_before, outbox_before = len(audit_rows(db)), len(outbox_rows(db))
    again = assign(db, support, OwnerRole.WORKFLOW, LI)
    assert again.changed is False
    assert again.assignment.id == first.assignment.id
    assert len(queries.owner_history(db, workflow_id=support.id)) == 1
    assert len(audit_rows(db)) == audit_before
    assert len(outbox_rows(db)) == outbox_before


def test_stage_names_match_existing_spelling_case_insensitively(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Exception handling")
    result = assign(db, support, OwnerRole.STAGE, EVE, stage='  "exception   HANDLING" ')
    assert result.assignment.stage == "Exception handling"
    assert result.previous == "USAM"
    assert queries.current_owners(db, workflow_id=support.id).stages == {
        "Exception handling": "UEVE"
    }


def test_same_stage_owner_in_another_case_is_no_change(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    assert assign(db, support, OwnerRole.STAGE, SAM, stage="INTAKE").changed is False
    assert len(queries.owner_history(db, workflow_id=support.id)) == 1


def test_stage_is_ignored_for_outcome_and_workflow_roles(db: Session) -> None:
    support = make_workflow(db)
    result = assign(db, support, OwnerRole.OUTCOME, MARIA, stage="Intake")
    assert result.assignment.stage == ""
    assert queries.current_owners(db, workflow_id=support.id).stages == {}


@pytest.mark.parametrize("stage", [None, "", "   ", '""', "“”"])
def test_missing_stage_is_refused_on_the_stage_field(db: Session, stage) -> None:
    support = make_workflow(db)
    with pytest.raises(InvalidInput) as caught:
        assign(db, support, OwnerRole.STAGE, SAM, stage=stage)
    assert caught.value.field == "stage"
    assert "Which stage?" in caught.value.user_message
    assert queries.owner_history(db, workflow_id=support.id) == []


def test_stage_name_limit(db: Session) -> None:
    support = make_workflow(db)
    assert assign(db, support, OwnerRole.STAGE, SAM, stage="s" * 80).changed
    with pytest.raises(InvalidInput) as caught:
        assign(db, support, OwnerRole.STAGE, SAM, stage="s" * 81)
    assert caught.value.field == "stage"


@pytest.mark.parametrize(
    ("person", "says"),
    [(HELPER_BOT, "is a bot"), (SLACKBOT, "is a bot"), (GONE, "has left the workspace")],
    ids=["bot", "slackbot", "deactivated"],
)
def test_bots_and_leavers_cannot_own(db: Session, person, says: str) -> None:
    support = make_workflow(db)
    with pytest.raises(InvalidInput) as caught:
        assign(db, support, OwnerRole.OUTCOME, person)
    assert caught.value.field == "person"
    assert says in caught.value.user_message
    assert queries.owner_history(db, workflow_id=support.id) == []
    assert [e.action for e in audit_rows(db)] == ["workflow.added"]


def test_assignment_needs_map_authority(db: Session) -> None:
    support = make_workflow(db)
    with pytest.raises(NotAuthorized):
        owners.assign_owner(db, workflow=support, role=OwnerRole.OUTCOME, person=EVE, actor=EVE)
    assert queries.owner_history(db, workflow_id=support.id) == []


def test_assignment_is_audited(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    assign(db, support, OwnerRole.STAGE, EVE, stage="intake")
    events = [e for e in audit_rows(db) if e.action == "owner.assigned"]
    assert [(e.actor, e.workflow_id) for e in events] == [("UADMIN", support.id)] * 2
    assert [e.detail for e in events] == [
        {"role": "stage", "stage": "Intake", "user_id": "USAM", "previous_user_id": None},
        {"role": "stage", "stage": "Intake", "user_id": "UEVE", "previous_user_id": "USAM"},
    ]


def test_first_assignment_notifies_new_owner_and_channel_only(db: Session) -> None:
    support = make_workflow(db)
    assignment = assign(db, support, OwnerRole.OUTCOME, MARIA).assignment
    key = f"owner-assigned:{assignment.id}"
    assert outbox_keys(db)[1:] == [f"{key}:dm-new", f"{key}:notice"]
    sent = outbox_by_key(db)
    assert sent[f"{key}:dm-new"].payload == {
        "channel": "UMARIA",
        "text": "<@UADMIN> made you the outcome owner of *Support resolution*.",
    }
    assert sent[f"{key}:notice"].payload == {
        "channel": GOV,
        "text": "<@UMARIA> is now the outcome owner of *Support resolution*, "
        "assigned by <@UADMIN>.",
    }


def test_handover_also_thanks_the_previous_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    assignment = assign(db, support, OwnerRole.STAGE, EVE, stage="Intake").assignment
    key = f"owner-assigned:{assignment.id}"
    assert outbox_keys(db)[-3:] == [f"{key}:dm-new", f"{key}:dm-previous", f"{key}:notice"]
    sent = outbox_by_key(db)
    assert sent[f"{key}:dm-new"].payload["channel"] == "UEVE"
    assert "You take over from <@USAM>." in sent[f"{key}:dm-new"].payload["text"]
    assert sent[f"{key}:dm-previous"].payload == {
        "channel": "USAM",
        "text": "<@UADMIN> handed the stage owner for “Intake” of *Support resolution* to "
        "<@UEVE>. Thank you for holding it.",
    }
    assert "(was <@USAM>)" in sent[f"{key}:notice"].payload["text"]


def test_role_phrase() -> None:
    assert owners.role_phrase("outcome") == "outcome owner"
    assert owners.role_phrase(OwnerRole.WORKFLOW) == "workflow owner"
    assert owners.role_phrase("stage", "Intake") == "stage owner for “Intake”"


@pytest.mark.parametrize("stage", ["<@USAM> review", "Intake > triage", "<!here>"])
def test_stage_names_with_markup_are_refused(db: Session, stage: str) -> None:
    support = make_workflow(db)
    with pytest.raises(InvalidInput) as caught:
        assign(db, support, OwnerRole.STAGE, SAM, stage=stage)
    assert caught.value.field == "stage"
    assert "can't contain mentions" in caught.value.user_message
    assert queries.owner_history(db, workflow_id=support.id) == []


def test_stages_per_workflow_are_capped(db: Session) -> None:
    support = make_workflow(db)
    for n in range(owners.STAGES_PER_WORKFLOW_MAX):
        assign(db, support, OwnerRole.STAGE, SAM, stage=f"Stage {n}")
    with pytest.raises(InvalidInput) as caught:
        assign(db, support, OwnerRole.STAGE, SAM, stage="One too many")
    assert caught.value.field == "stage"
    assert f"at most {owners.STAGES_PER_WORKFLOW_MAX} stages" in caught.value.user_message
    # Handing over an existing stage is still fine at the cap.
    assert assign(db, support, OwnerRole.STAGE, EVE, stage="stage 3").previous == "USAM"
    assert len(queries.current_owners(db, workflow_id=support.id).stages) == 25


def test_notices_escape_stage_and_workflow_names(db: Session) -> None:
    support = make_workflow(db, "Q&A triage")
    assignment = assign(db, support, OwnerRole.STAGE, SAM, stage="Intake & review").assignment
    assert assignment.stage == "Intake & review"
    notice = outbox_by_key(db)[f"owner-assigned:{assignment.id}:notice"].payload["text"]
    assert notice == (
        "<@USAM> is now the stage owner for “Intake &amp; review” of *Q&amp;A triage*, "
        "assigned by <@UADMIN>."
    )
