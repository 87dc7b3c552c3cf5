"""Registering, finding, renaming and archiving workflows."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from cadence.accountability import workflows
from cadence.errors import Conflict, InvalidInput, NotAuthorized, UnknownWorkflow
from cadence.vocabulary import OwnerRole, RiskTier
from tests.cadence.helpers import (
    ADMIN,
    EVE,
    GENERAL,
    GOV,
    LI,
    MARIA,
    OTHER_TEAM,
    SAM,
    TEAM,
    assign,
    audit_rows,
    make_workflow,
    outbox_by_key,
    outbox_keys,
    seat,
)


def _add(db: Session, name: str, **extra):
    return workflows.add_workflow(
        db, team_id=TEAM, name=name, channel_id=extra.pop("channel_id", GOV), actor=ADMIN, **extra
    )


# --- add -------------------------------------------------------------------------------------


def test_add_stores_the_workflow_with_its_details(db: Session) -> None:
    workflow = _add(
        db, "Support resolution", business_outcome="Faster refunds", risk_tier=RiskTier.HIGH
    )
    assert workflow.id is not None
    assert (workflow.name, workflow.name_key) == ("Support resolution", "support resolution")
    assert (workflow.channel_id, workflow.created_by) == (GOV, "UADMIN")
    assert workflow.business_outcome == "Faster refunds"
    assert workflow.risk_tier == "high"
    assert [w.name for w in workflows.list_workflows(db, team_id=TEAM)] == ["Support resolution"]


def test_add_defaults_to_medium_risk_and_no_outcome(db: Session) -> None:
    workflow = _add(db, "Support resolution", business_outcome="")
    assert workflow.risk_tier == "medium"
    assert workflow.business_outcome is None


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Support   resolution ", "Support resolution"),
        ('"Support resolution"', "Support resolution"),
        ("“Support resolution”", "Support resolution"),
        ("'Support\tresolution'", "Support resolution"),
    ],
)
def test_add_cleans_the_name(db: Session, raw: str, clean: str) -> None:
    assert _add(db, raw).name == clean


def test_name_limit_is_80_characters(db: Session) -> None:
    assert _add(db, "x" * 80).name == "x" * 80
    with pytest.raises(InvalidInput, match="81 characters; please keep it to 80"):
        _add(db, "y" * 81)


@pytest.mark.parametrize("name", ["", "   ", '""'])
def test_empty_names_are_refused(db: Session, name: str) -> None:
    with pytest.raises(InvalidInput, match="Please give the workflow a name"):
        _add(db, name)


@pytest.mark.parametrize(
    "name",
    ["Support <@UMARIA>", "Support <#CGOV|gov>", "Ping <!here>", "<https://x.io|x>", "A > B"],
)
def test_mentions_and_markup_are_refused_in_names(db: Session, name: str) -> None:
    with pytest.raises(InvalidInput, match="can't contain mentions"):
        _add(db, name)
    assert workflows.list_workflows(db, team_id=TEAM) == []


def test_business_outcome_limit(db: Session) -> None:
    with pytest.raises(InvalidInput, match="300 characters"):
        _add(db, "Support resolution", business_outcome="o" * 301)
    assert _add(db, "Support resolution", business_outcome="o" * 300).business_outcome


@pytest.mark.parametrize(
    "clash", ["Support resolution", "support RESOLUTION", " Support  resolution"]
)
def test_names_are_unique_ignoring_case_and_spaces(db: Session, clash: str) -> None:
    _add(db, "Support resolution")
    with pytest.raises(Conflict, match="There is already a workflow called"):
        _add(db, clash)
    assert len(workflows.list_workflows(db, team_id=TEAM)) == 1


def test_same_name_in_another_team_is_fine(db: Session) -> None:
    _add(db, "Support resolution")
    other = workflows.add_workflow(
        db, team_id=OTHER_TEAM, name="Support resolution", channel_id=GOV, actor=ADMIN
    )
    assert other.team_id == OTHER_TEAM


def test_archived_names_can_be_reused(db: Session) -> None:
    first = _add(db, "Support resolution")
    workflows.archive_workflow(db, team_id=TEAM, name="Support resolution", actor=ADMIN)
    second = _add(db, "support resolution")
    assert second.id != first.id
    assert workflows.find_workflow(db, team_id=TEAM, name="Support resolution").id == second.id


def test_add_needs_council_or_admin(db: Session) -> None:
    with pytest.raises(NotAuthorized, match="a workspace admin"):
        workflows.add_workflow(db, team_id=TEAM, name="Shadow AI", channel_id=GOV, actor=EVE)
    seat(db, LI)
    assert workflows.add_workflow(db, team_id=TEAM, name="Council AI", channel_id=GOV, actor=LI)
    assert [w.name for w in workflows.list_workflows(db, team_id=TEAM)] == ["Council AI"]


def test_add_writes_audit_event_and_channel_notice(db: Session) -> None:
    workflow = _add(db, "Support resolution", risk_tier=RiskTier.LOW, channel_id=GENERAL)
    [event] = audit_rows(db)
    assert (event.action, event.actor, event.workflow_id) == (
        "workflow.added",
        "UADMIN",
        workflow.id,
    )
    assert event.detail["name"] == "Support resolution"
    assert event.detail["channel_id"] == GENERAL
    assert event.detail["risk_tier"] == "low"
    key = f"workflow-added:{workflow.id}:notice"
    assert outbox_keys(db) == [key]
    message = outbox_by_key(db)[key]
    assert message.method == "chat.postMessage"
    assert message.payload["channel"] == GENERAL
    assert "<@UADMIN> registered the AI workflow *Support resolution*" in message.payload["text"]
    assert "/owner outcome @person Support resolution" in message.payload["text"]


def test_list_is_in_name_order_and_per_team(db: Session) -> None:
    for name in ["zeta", "Alpha", "beta"]:
        _add(db, name)
    workflows.add_workflow(db, team_id=OTHER_TEAM, name="Gamma", channel_id=GOV, actor=ADMIN)
    assert [w.name for w in workflows.list_workflows(db, team_id=TEAM)] == ["Alpha", "beta", "zeta"]


# --- find ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["support resolution", "  SUPPORT   Resolution ", '"Support resolution"']
)
def test_find_ignores_case_spaces_and_quotes(db: Session, query: str) -> None:
    workflow = make_workflow(db)
    assert workflows.find_workflow(db, team_id=TEAM, name=query).id == workflow.id


def test_find_suggests_close_names_for_typos(db: Session) -> None:
    make_workflow(db, "Support resolution")
    make_workflow(db, "Fraud scoring")
    with pytest.raises(UnknownWorkflow) as caught:
        workflows.find_workflow(db, team_id=TEAM, name="Suport resolutoin")
    assert caught.value.suggestions == ["Support resolution"]
    assert caught.value.field == "workflow"
    assert caught.value.user_message == (
        "I couldn't find a workflow called *Suport resolutoin*. Did you mean *Support resolution*?"
    )


def test_find_suggests_names_containing_the_text(db: Session) -> None:
    make_workflow(db, "Support resolution")
    make_workflow(db, "Refund approvals for enterprise support")
    make_workflow(db, "Fraud scoring")
    with pytest.raises(UnknownWorkflow) as caught:
        workflows.find_workflow(db, team_id=TEAM, name="support")
    assert set(caught.value.suggestions) == {
        "Support resolution",
        "Refund approvals for enterprise support",
    }
    assert " or " in caught.value.user_message


def test_find_suggests_at_most_three(db: Session) -> None:
    for n in range(5):
        make_workflow(db, f"Support lane {n}")
    with pytest.raises(UnknownWorkflow) as caught:
        workflows.find_workflow(db, team_id=TEAM, name="lane")
    assert len(caught.value.suggestions) == 3


def test_find_without_suggestions_points_to_the_list(db: Session) -> None:
    make_workflow(db, "Support resolution")
    with pytest.raises(UnknownWorkflow) as caught:
        workflows.find_workflow(db, team_id=TEAM, name="Quantum payroll")
    assert caught.value.suggestions == []
    assert caught.value.user_message == (
        "I couldn't find a workflow called *Quantum payroll*. "
        "See `/cadence workflow list` for the workflows Cadence knows."
    )


def test_find_needs_a_name(db: Session) -> None:
    with pytest.raises(InvalidInput, match=r"Which workflow\?"):
        workflows.find_workflow(db, team_id=TEAM, name=' "" ')


def test_find_skips_archived_workflows_and_other_teams(db: Session) -> None:
    make_workflow(db, "Support resolution")
    make_workflow(db, "Fraud scoring", team_id=OTHER_TEAM)
    workflows.archive_workflow(db, team_id=TEAM, name="Support resolution", actor=ADMIN)
    for name in ["Support resolution", "Fraud scoring"]:
        with pytest.raises(UnknownWorkflow):
            workflows.find_workflow(db, team_id=TEAM, name=name)


# --- rename ----------------------------------------------------------------------------------


def test_rename_changes_name_and_key_and_keeps_the_row(db: Session) -> None:
    workflow = make_workflow(db)
    renamed = workflows.rename_workflow(
        db, team_id=TEAM, name="support resolution", new_name="  Customer   care ", actor=ADMIN
    )
    assert renamed.id == workflow.id
    assert (renamed.name, renamed.name_key) == ("Customer care", "customer care")
    assert workflows.find_workflow(db, team_id=TEAM, name="customer care").id == workflow.id
    with pytest.raises(UnknownWorkflow):
        workflows.find_workflow(db, team_id=TEAM, name="Support resolution")


def test_rename_to_another_case_of_the_same_name(db: Session) -> None:
    workflow = make_workflow(db, "support resolution")
    renamed = workflows.rename_workflow(
        db, team_id=TEAM, name="support resolution", new_name="Support Resolution", actor=ADMIN
    )
    assert renamed.id == workflow.id
    assert renamed.name == "Support Resolution"


def test_rename_to_a_taken_name_is_refused(db: Session) -> None:
    make_workflow(db, "Support resolution")
    make_workflow(db, "Fraud scoring")
    with pytest.raises(Conflict):
        workflows.rename_workflow(
            db, team_id=TEAM, name="Fraud scoring", new_name="SUPPORT resolution", actor=ADMIN
        )
    assert workflows.find_workflow(db, team_id=TEAM, name="Fraud scoring").name == "Fraud scoring"


def test_rename_validates_the_new_name(db: Session) -> None:
    make_workflow(db)
    with pytest.raises(InvalidInput, match="mentions"):
        workflows.rename_workflow(
            db, team_id=TEAM, name="Support resolution", new_name="<@UEVE>'s bot", actor=ADMIN
        )


def test_rename_by_outcome_owner_only_of_their_own(db: Session) -> None:
    support = make_workflow(db, "Support resolution")
    make_workflow(db, "Fraud scoring")
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    workflows.rename_workflow(
        db, team_id=TEAM, name="Support resolution", new_name="Support care", actor=MARIA
    )
    with pytest.raises(NotAuthorized):
        workflows.rename_workflow(
            db, team_id=TEAM, name="Fraud scoring", new_name="Maria's fraud", actor=MARIA
        )


def test_each_rename_is_audited_and_announced_once(db: Session) -> None:
    workflow = make_workflow(db, "Support resolution")
    workflows.rename_workflow(
        db, team_id=TEAM, name="Support resolution", new_name="Care", actor=ADMIN
    )
    workflows.rename_workflow(
        db, team_id=TEAM, name="Care", new_name="Support resolution", actor=ADMIN
    )
    renames = [e for e in audit_rows(db) if e.action == "workflow.renamed"]
    assert [(e.detail["old_name"], e.detail["new_name"]) for e in renames] == [
        ("Support resolution", "Care"),
        ("Care", "Support resolution"),
    ]
    assert all(e.workflow_id == workflow.id for e in renames)
    keys = [f"workflow-renamed:{e.id}:notice" for e in renames]
    assert outbox_keys(db)[1:] == keys
    first = outbox_by_key(db)[keys[0]]
    assert first.payload == {
        "channel": GOV,
        "text": "<@UADMIN> renamed the workflow *Support resolution* to *Care*.",
    }


# --- archive ---------------------------------------------------------------------------------


def test_archive_retires_and_records(db: Session, frozen_clock) -> None:
    workflow = make_workflow(db)
    archived = workflows.archive_workflow(db, team_id=TEAM, name="support RESOLUTION", actor=ADMIN)
    assert archived.id == workflow.id
    assert archived.archived_at == frozen_clock.current
    assert archived.archived_by == "UADMIN"
    assert workflows.list_workflows(db, team_id=TEAM) == []
    event = audit_rows(db)[-1]
    assert (event.action, event.workflow_id, event.detail) == (
        "workflow.archived",
        workflow.id,
        {"name": "Support resolution"},
    )
    key = f"workflow-archived:{workflow.id}:notice"
    assert outbox_keys(db)[-1] == key
    assert "archived the workflow *Support resolution*" in outbox_by_key(db)[key].payload["text"]


def test_archive_needs_authority_and_an_active_workflow(db: Session) -> None:
    make_workflow(db)
    with pytest.raises(NotAuthorized):
        workflows.archive_workflow(db, team_id=TEAM, name="Support resolution", actor=SAM)
    assert len(workflows.list_workflows(db, team_id=TEAM)) == 1
    workflows.archive_workflow(db, team_id=TEAM, name="Support resolution", actor=ADMIN)
    with pytest.raises(UnknownWorkflow):
        workflows.archive_workflow(db, team_id=TEAM, name="Support resolution", actor=ADMIN)


def test_notices_escape_the_name_but_the_stored_name_is_raw(db: Session) -> None:
    workflow = _add(db, "Q&A triage")
    assert workflow.name == "Q&A triage"
    workflows.rename_workflow(db, team_id=TEAM, name="q&a triage", new_name="Q&A care", actor=ADMIN)
    texts = [m.payload["text"] for m in outbox_by_key(db).values()]
    assert "registered the AI workflow *Q&amp;A triage*" in texts[0]
    assert "`/owner outcome @person Q&amp;A triage`" in texts[0]
    assert texts[1] == "<@UADMIN> renamed the workflow *Q&amp;A triage* to *Q&amp;A care*."
    with pytest.raises(Conflict) as caught:
        _add(db, "q&a CARE")
    assert "*q&amp;a CARE*" in caught.value.user_message


def test_unknown_workflow_message_escapes_what_was_typed(db: Session) -> None:
    make_workflow(db, "R&D assistant")
    with pytest.raises(UnknownWorkflow) as caught:
        workflows.find_workflow(db, team_id=TEAM, name="R&D asistant <!here>")
    assert caught.value.user_message == (
        "I couldn't find a workflow called *R&amp;D asistant &lt;!here&gt;*. "
        "Did you mean *R&amp;D assistant*?"
    )
    assert caught.value.suggestions == ["R&D assistant"]
