"""The Home tab summary: a person's roles, council seat, and gaps."""

from __future__ import annotations

from sqlmodel import Session

from cadence import home
from cadence.accountability import workflows
from cadence.vocabulary import OwnerRole
from tests.cadence.helpers import ADMIN, EVE, LI, MARIA, SAM, TEAM, assign, make_workflow, seat


def test_summary_lists_roles_seat_and_gaps(db: Session) -> None:
    support = make_workflow(db, "Support resolution")
    fraud = make_workflow(db, "Fraud scoring")
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assign(db, support, OwnerRole.STAGE, MARIA, stage="Intake")
    assign(db, fraud, OwnerRole.WORKFLOW, MARIA)
    seat(db, MARIA)

    summary = home.summarize_for(db, team_id=TEAM, user_id="UMARIA")
    assert summary.on_council is True
    assert summary.workflow_count == 2
    assert [(w.name, phrase) for w, phrase in summary.roles] == [
        ("Fraud scoring", "workflow owner"),
        ("Support resolution", "outcome owner"),
        ("Support resolution", "stage owner for “Intake”"),
    ]
    assert [(w.name, gaps) for w, gaps in summary.gaps] == [("Fraud scoring", ["no outcome owner"])]


def test_summary_for_someone_without_roles_skips_archived(db: Session) -> None:
    make_workflow(db, "Support resolution")
    make_workflow(db, "Fraud scoring")
    workflows.archive_workflow(db, team_id=TEAM, name="Fraud scoring", actor=ADMIN)
    seat(db, SAM)
    summary = home.summarize_for(db, team_id=TEAM, user_id=EVE.id)
    assert (summary.on_council, summary.roles, summary.workflow_count) == (False, [], 1)
    assert [w.name for w, _ in summary.gaps] == ["Support resolution"]
