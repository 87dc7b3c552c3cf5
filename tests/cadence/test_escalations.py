"""Escalations: classified by tag, routed by the map, recorded once per idempotency key."""

from __future__ import annotations

import pytest
from sqlmodel import Session, col, select

from cadence import escalations, owners, rights
from cadence.errors import InvalidInput
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty, OwnerRole
from storage.models import Escalation, EscalationEvent
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
    outbox_rows,
    seat,
)


def _raise(
    db: Session,
    workflow,
    tag: str | None = None,
    *,
    key: str = "k1",
    summary="Bot promised credits",
):
    return escalations.raise_escalation(
        db,
        workflow=workflow,
        summary=summary,
        tag=tag,
        raised_by="UDANA",
        source_channel_id="C0GENERAL",
        idempotency_key=key,
    )


def _set_approver(db: Session, workflow, point: DecisionPoint, parties: list[str]) -> None:
    current = owners.current_owners(db, workflow_id=workflow.id)
    rights.update_rights(
        db,
        workflow=workflow,
        owners=current,
        wanted={point: {Duty.APPROVES: parties}},
        actor=ADMIN,
    )


def _route(db: Session, workflow, tag: str | None = None):
    point, matter = escalations.classify(tag)
    return escalations.route(db, workflow=workflow, point=point, matter=matter)


# --- classify --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (None, (DecisionPoint.INCIDENT_RESPONSE, None)),
        ("model", (DecisionPoint.MODEL_CHANGE, None)),
        ("#policy-exception", (DecisionPoint.POLICY_EXCEPTION, None)),
        ("Budget", (DecisionPoint.BUDGET, None)),
        ("#ROLLOUT-GATE", (DecisionPoint.ROLLOUT_GATE, None)),
        ("sev1", (DecisionPoint.INCIDENT_RESPONSE, CouncilMatter.SEV1_INCIDENT)),
        ("#sev-1", (DecisionPoint.INCIDENT_RESPONSE, CouncilMatter.SEV1_INCIDENT)),
        ("budget-overrun", (DecisionPoint.BUDGET, CouncilMatter.BUDGET_OVERRUN)),
        ("compliance-exception", (DecisionPoint.COMPLIANCE, CouncilMatter.COMPLIANCE_EXCEPTION)),
        ("pivot", (DecisionPoint.GOVERNANCE, CouncilMatter.MAJOR_PIVOT)),
        ("risk-tier", (DecisionPoint.ROLLOUT_GATE, CouncilMatter.RISK_TIER_CHANGE)),
        (
            "external-commitment",
            (DecisionPoint.POLICY_EXCEPTION, CouncilMatter.EXTERNAL_COMMITMENT),
        ),
    ],
)
def test_classify_tags(tag: str | None, expected) -> None:
    assert escalations.classify(tag) == expected


def test_unknown_tag_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput) as caught:
        escalations.classify("#outage")
    message = caught.value.user_message
    assert message.startswith("I don't know the kind *#outage*. Use one of: ")
    for tag in escalations.KIND_TAGS:
        assert f"#{tag}" in message


# --- route -----------------------------------------------------------------------------------


def test_council_matter_goes_to_the_council_when_there_is_one(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI, SAM)
    assert _route(db, support, "sev1") == (["ULI", "USAM"], "AI council")


def test_council_matter_without_a_council_goes_to_the_approver(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assert _route(db, support, "budget-overrun") == (["UMARIA"], "approver: Outcome owner")


def test_ordinary_matter_goes_to_the_approver_not_the_council(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI)
    assert _route(db, support, "budget") == (["UMARIA"], "approver: Outcome owner")


def test_route_uses_the_map_for_that_decision_point(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    _set_approver(db, support, DecisionPoint.MODEL_CHANGE, ["stage:Intake", "workflow_owner"])
    assert _route(db, support, "model") == (
        ["USAM", "ULI"],
        "approver: Stage owner (Intake), Workflow owner",
    )
    assert _route(db, support, "policy") == (["UMARIA"], "approver: Outcome owner")


def test_route_names_each_person_once(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, MARIA)
    _set_approver(db, support, DecisionPoint.BUDGET, ["outcome_owner", "workflow_owner"])
    assert _route(db, support, "budget")[0] == ["UMARIA"]


def test_approver_to_council_by_the_map(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI)
    _set_approver(db, support, DecisionPoint.BUDGET, ["council"])
    assert _route(db, support, "budget") == (["ULI"], "approver: AI council")


def test_no_approver_falls_back_to_the_outcome_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    _set_approver(db, support, DecisionPoint.BUDGET, [])
    assert _route(db, support, "budget") == (["UMARIA"], "outcome owner (no approver set)")


def test_unheld_approver_role_falls_back_to_the_workflow_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assert _route(db, support, "budget") == (["ULI"], "workflow owner (no approver set)")


def test_no_owners_falls_back_to_the_council(db: Session) -> None:
    support = make_workflow(db)
    seat(db, LI, SAM)
    assert _route(db, support, "budget") == (["ULI", "USAM"], "AI council (no owners)")


def test_no_owners_and_no_council_routes_to_nobody(db: Session) -> None:
    support = make_workflow(db)
    assert _route(db, support) == ([], "nobody")
    assert _route(db, support, "sev1") == ([], "nobody")


# --- raise -----------------------------------------------------------------------------------


def test_raise_records_routes_audits_and_announces(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    raised = _raise(db, support, "#policy-exception", summary="  Bot   promised\ncredits ")
    esc = raised.escalation
    assert raised.duplicate is False
    assert raised.routed_to == ["UMARIA"]
    assert (esc.summary, esc.decision_point, esc.council_matter) == (
        "Bot promised credits",
        "policy_exception",
        None,
    )
    assert (esc.routed_to, esc.needs_council, esc.status) == ("UMARIA", False, "open")
    assert (esc.raised_by, esc.source_channel_id, esc.workflow_id) == (
        "UDANA",
        "C0GENERAL",
        support.id,
    )

    events = db.exec(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == esc.id)
        .order_by(col(EscalationEvent.id))
    ).all()
    assert [(e.kind, e.actor) for e in events] == [("raised", "UDANA"), ("routed", "UDANA")]
    assert events[1].detail == {"to": ["UMARIA"], "via": "approver: Outcome owner"}

    event = audit_rows(db)[-1]
    assert (event.action, event.actor, event.workflow_id) == (
        "escalation.raised",
        "UDANA",
        support.id,
    )
    assert event.detail == {
        "escalation_id": esc.id,
        "point": "policy_exception",
        "council_matter": None,
        "to": ["UMARIA"],
        "via": "approver: Outcome owner",
    }

    dm_key, notice_key = f"escalation:{esc.id}:dm:UMARIA", f"escalation:{esc.id}:notice"
    assert outbox_keys(db)[-2:] == [dm_key, notice_key]
    sent = outbox_by_key(db)
    assert sent[dm_key].payload["channel"] == "UMARIA"
    assert sent[dm_key].payload["text"] == (
        ":rotating_light: Escalation on *Support resolution* — Policy exception\n"
        "> Bot promised credits\nRaised by <@UDANA>.\nIt comes to you as approver: Outcome owner."
    )
    assert sent[notice_key].payload["channel"] == GOV
    assert (
        sent[notice_key].payload["text"].endswith("Routed to <@UMARIA> (approver: Outcome owner).")
    )


def test_council_matter_dms_every_member(db: Session) -> None:
    support = make_workflow(db)
    seat(db, LI, SAM)
    raised = _raise(db, support, "sev1")
    esc = raised.escalation
    assert raised.routed_to == ["ULI", "USAM"]
    assert (esc.council_matter, esc.needs_council) == ("sev1_incident", True)
    keys = outbox_keys(db)
    assert keys[-3:] == [
        f"escalation:{esc.id}:dm:ULI",
        f"escalation:{esc.id}:dm:USAM",
        f"escalation:{esc.id}:notice",
    ]
    notice = outbox_by_key(db)[keys[-1]].payload["text"]
    assert "— Sev-1 incident (council matter)" in notice
    assert "Routed to <@ULI>, <@USAM> (AI council)." in notice


def test_escalation_to_nobody_is_posted_in_the_channel(db: Session) -> None:
    support = make_workflow(db)
    raised = _raise(db, support)
    assert raised.routed_to == []
    assert raised.escalation.routed_to is None
    key = f"escalation:{raised.escalation.id}:notice"
    assert [k for k in outbox_keys(db) if k.startswith("escalation:")] == [key]
    assert (
        "Routed to :warning: nobody — the map has a gap (nobody)."
        in (outbox_by_key(db)[key].payload["text"])
    )


def test_repeated_key_returns_the_same_escalation(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    first = _raise(db, support, "budget", key="slash:T:trigger-1")
    outbox_before, audit_before = len(outbox_rows(db)), len(audit_rows(db))
    again = _raise(db, support, "#policy", key="slash:T:trigger-1", summary="something else")
    assert again.duplicate is True
    assert again.escalation.id == first.escalation.id
    assert again.escalation.summary == "Bot promised credits"
    assert again.routed_to == ["UMARIA"]
    assert len(db.exec(select(Escalation)).all()) == 1
    assert len(outbox_rows(db)) == outbox_before
    assert len(audit_rows(db)) == audit_before
    # A different key is a different escalation.
    assert _raise(db, support, key="slash:T:trigger-2").duplicate is False


def test_bug_repeated_key_reports_every_council_member_routed_to(db: Session) -> None:
    """BUG: a retried council escalation claims it went only to the first council member.

    `Escalation.routed_to` stores only the first recipient, and the duplicate path rebuilds
    `routed_to` from that column, so `/escalate` retried by Slack answers "Escalated to <@ULI>"
    although every council member was DMed.
    """
    support = make_workflow(db)
    seat(db, LI, SAM)
    first = _raise(db, support, "sev1", key="slash:T:trigger-1")
    again = _raise(db, support, "sev1", key="slash:T:trigger-1")
    assert again.duplicate is True
    assert again.routed_to == first.routed_to == ["ULI", "USAM"]


def test_summary_is_required_and_limited(db: Session) -> None:
    support = make_workflow(db)
    with pytest.raises(InvalidInput, match=r"What happened\?"):
        _raise(db, support, summary="   \n ")
    with pytest.raises(InvalidInput, match="300 characters"):
        _raise(db, support, summary="x" * 301)
    assert _raise(db, support, summary="x" * 300).escalation.summary == "x" * 300
    assert len(db.exec(select(Escalation)).all()) == 1


def test_unknown_tag_records_nothing(db: Session) -> None:
    support = make_workflow(db)
    with pytest.raises(InvalidInput):
        _raise(db, support, "outage")
    assert db.exec(select(Escalation)).all() == []
    assert [k for k in outbox_keys(db) if k.startswith("escalation:")] == []


def test_routing_follows_reassignment(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assert _raise(db, support, key="a").routed_to == ["UMARIA"]
    assign(db, support, OwnerRole.OUTCOME, EVE)
    assert _raise(db, support, key="b").routed_to == ["UEVE"]


def test_unknown_tag_is_escaped_in_the_message() -> None:
    with pytest.raises(InvalidInput) as caught:
        escalations.classify("#<!here>")
    assert caught.value.user_message.startswith("I don't know the kind *#&lt;!here&gt;*.")


def test_announcements_escape_summary_and_workflow_name(db: Session) -> None:
    support = make_workflow(db, "Q&A triage")
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    raised = _raise(db, support, summary="<!channel> bot said <b>free</b> & more")
    assert raised.escalation.summary == "<!channel> bot said <b>free</b> & more"
    for key in (
        f"escalation:{raised.escalation.id}:dm:UMARIA",
        f"escalation:{raised.escalation.id}:notice",
    ):
        text = outbox_by_key(db)[key].payload["text"]
        assert "*Q&amp;A triage*" in text
        assert "> &lt;!channel&gt; bot said &lt;b&gt;free&lt;/b&gt; &amp; more\n" in text
        assert "<!channel>" not in text
