"""Escalations: classified, validated, routed by the map, stored once per idempotency key."""

from __future__ import annotations

import threading

import pytest
from sqlmodel import Session, col, select

from cadence.accountability import queries, rights
from cadence.errors import InvalidInput
from cadence.escalations import messages, raising
from cadence.escalations.raising import Report, Route, Severity
from cadence.outbox import RendererName
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty, OwnerRole
from storage.db import new_session
from storage.models import Escalation, EscalationEvent, Workflow
from tests.cadence.helpers import (
    ADMIN,
    DANA,
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


@pytest.fixture
def store(any_engine):
    """A session on SQLite and on PostgreSQL: storage rules must hold on both."""
    session = new_session(any_engine)
    yield session
    session.close()


def report(workflow: Workflow, kind: str | None = "policy", **changes) -> Report:
    point, matter = raising.classify(kind)
    fields = {"severity": Severity.SEV3, "summary": "Bot promised credits", **changes}
    return Report(workflow, point, matter, **fields)


def raise_(db: Session, workflow: Workflow, kind: str | None = "policy", *, key="k1", **changes):
    return raising.raise_escalation(
        db,
        report=report(workflow, kind, **changes),
        raised_by=EVE.id,
        source_channel_id="C0GENERAL",
        idempotency_key=key,
    )


def set_duty(db: Session, workflow, point: DecisionPoint, duty: Duty, parties: list[str]) -> None:
    current = queries.current_owners(db, workflow_id=workflow.id)
    rights.update_rights(
        db, workflow=workflow, owners=current, wanted={point: {duty: parties}}, actor=ADMIN
    )


def route(db: Session, workflow, point: DecisionPoint = DecisionPoint.BUDGET) -> Route:
    return raising.route(db, workflow=workflow, point=point)


# --- classify and validate -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (None, (DecisionPoint.INCIDENT_RESPONSE, None)),
        ("model", (DecisionPoint.MODEL_CHANGE, None)),
        ("#policy-exception", (DecisionPoint.POLICY_EXCEPTION, None)),
        ("#ROLLOUT-GATE", (DecisionPoint.ROLLOUT_GATE, None)),
        ("#sev-1", (DecisionPoint.INCIDENT_RESPONSE, CouncilMatter.SEV1_INCIDENT)),
        ("budget-overrun", (DecisionPoint.BUDGET, CouncilMatter.BUDGET_OVERRUN)),
        ("pivot", (DecisionPoint.GOVERNANCE, CouncilMatter.MAJOR_PIVOT)),
        ("risk-tier", (DecisionPoint.ROLLOUT_GATE, CouncilMatter.RISK_TIER_CHANGE)),
        (
            "external-commitment",
            (DecisionPoint.POLICY_EXCEPTION, CouncilMatter.EXTERNAL_COMMITMENT),
        ),
    ],
)
def test_classify_tags(tag, expected) -> None:
    assert raising.classify(tag) == expected


def test_unknown_tag_is_named_escaped_and_the_known_ones_listed() -> None:
    with pytest.raises(InvalidInput) as caught:
        raising.classify("#<!here>")
    assert caught.value.user_message.startswith("I don't know the kind *#&lt;!here&gt;*.")
    assert all(f"#{tag}" in caught.value.user_message for tag in raising.KIND_TAGS)


def test_every_council_matter_maps_to_its_decision_point() -> None:
    assert raising.kind_of(CouncilMatter.BUDGET_OVERRUN) == (
        DecisionPoint.BUDGET,
        CouncilMatter.BUDGET_OVERRUN,
    )
    assert raising.kind_of(DecisionPoint.BUDGET) == (DecisionPoint.BUDGET, None)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"summary": "  \n "}, "summary"),
        ({"summary": "x" * 301}, "summary"),
        ({"details": "d" * 3001}, "details"),
        ({"link": "ftp://files.example/x"}, "link"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "https://"}, "link"),
        ({"link": "https://example.com/a b"}, "link"),
        ({"link": "https://example.com/" + "x" * 500}, "link"),
    ],
)
def test_invalid_reports_name_the_field(db: Session, changes, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        raising.clean_report(report(make_workflow(db), **changes))
    assert caught.value.field == field


def test_reports_are_tidied(db: Session) -> None:
    clean = raising.clean_report(
        report(
            make_workflow(db),
            summary="  Bot \n promised ",
            details="  \n ",
            link=" https://x.example/1 ",
        )
    )
    assert (clean.summary, clean.details, clean.link) == (
        "Bot promised",
        None,
        "https://x.example/1",
    )
    assert raising.clean_report(report(clean.workflow, summary="x" * 300)).summary == "x" * 300


# --- route -----------------------------------------------------------------------------------


def test_route_goes_to_the_approver_of_that_decision_point(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    assign(db, support, OwnerRole.STAGE, SAM, stage="Intake")
    set_duty(
        db, support, DecisionPoint.MODEL_CHANGE, Duty.APPROVES, ["stage:Intake", "workflow_owner"]
    )
    assert route(db, support, DecisionPoint.MODEL_CHANGE) == Route(
        "USAM", "approver: Stage owner (Intake), Workflow owner", co_approvers=["ULI"]
    )
    assert route(db, support, DecisionPoint.POLICY_EXCEPTION) == Route(
        "UMARIA", "approver: Outcome owner"
    )


def test_route_names_each_person_once(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, MARIA)
    set_duty(db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["outcome_owner", "workflow_owner"])
    assert route(db, support) == Route("UMARIA", "approver: Outcome owner, Workflow owner")


def test_council_as_approver_holds_it_without_a_single_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI)
    set_duty(db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["council"])
    assert route(db, support) == Route(None, "approver: AI council", council_holds=True)


def test_without_an_approver_the_workflow_owner_comes_before_the_outcome_owner(db) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    assign(db, support, OwnerRole.WORKFLOW, LI)
    set_duty(db, support, DecisionPoint.BUDGET, Duty.APPROVES, [])
    assert route(db, support) == Route("ULI", "workflow owner (no approver set)")


def test_an_unheld_approver_role_falls_back_to_the_outcome_owner(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    set_duty(db, support, DecisionPoint.BUDGET, Duty.APPROVES, ["workflow_owner"])
    assert route(db, support) == Route("UMARIA", "outcome owner (no approver set)")


def test_without_owners_the_council_then_nobody(db: Session) -> None:
    support = make_workflow(db)
    assert route(db, support) == Route(None, "nobody")
    seat(db, LI, SAM)
    assert route(db, support) == Route(None, "AI council (no owners)", council_holds=True)


def test_council_matters_route_to_the_owner_like_their_decision_point(db: Session) -> None:
    support = make_workflow(db)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    seat(db, LI)
    esc = raise_(db, support, "sev1").escalation
    assert (esc.routed_to, esc.decision_point, esc.needs_council) == (
        "UMARIA",
        "incident_response",
        True,
    )


# --- raise (SQLite and PostgreSQL) -----------------------------------------------------------


def test_raise_stores_routes_audits_and_queues_the_messages(store: Session) -> None:
    support = make_workflow(store)
    assign(store, support, OwnerRole.OUTCOME, MARIA)
    raised = raise_(
        store,
        support,
        severity=Severity.SEV2,
        details="Three customers.",
        link="https://t.example/1",
    )
    store.commit()
    esc = raised.escalation
    assert raised.duplicate is False
    assert (esc.summary, esc.details, esc.link, esc.severity) == (
        "Bot promised credits",
        "Three customers.",
        "https://t.example/1",
        "sev2",
    )
    assert (esc.routed_to, esc.routed_via, esc.needs_council, esc.status, esc.tier) == (
        "UMARIA",
        "approver: Outcome owner",
        False,
        "open",
        0,
    )
    assert (esc.raised_by, esc.source_channel_id) == ("UEVE", "C0GENERAL")
    events = store.exec(select(EscalationEvent).order_by(col(EscalationEvent.id))).all()
    assert [(e.kind, e.actor, e.authorized) for e in events] == [
        ("raised", "UEVE", True),
        ("routed", "UEVE", True),
    ]
    assert events[1].detail == {
        "to": "UMARIA",
        "via": "approver: Outcome owner",
        "council_holds": False,
    }
    audit = audit_rows(store)[-1]
    assert (audit.action, audit.detail["escalation_id"], audit.detail["severity"]) == (
        "escalation.raised",
        esc.id,
        "sev2",
    )
    sent = outbox_by_key(store)
    dm = sent[f"escalation:{esc.id}:dm:UMARIA"]
    assert dm.payload == {
        "render": RendererName.ESCALATION_DM,
        "args": {"escalation_id": esc.id, "user": "UMARIA"},
    }
    notice = sent[f"escalation:{esc.id}:notice"]
    assert notice.payload["render"] == RendererName.ESCALATION_NOTICE


def test_council_matter_and_sev1_dm_every_member_as_well_as_the_owner(store: Session) -> None:
    support = make_workflow(store)
    assign(store, support, OwnerRole.OUTCOME, MARIA)
    seat(store, LI, SAM)
    for number, (kind, severity) in enumerate(
        [("budget-overrun", Severity.SEV3), ("budget", Severity.SEV1)]
    ):
        esc = raise_(store, support, kind, severity=severity, key=f"k{number}").escalation
        assert esc.needs_council is True
        keys = [k for k in outbox_keys(store) if k.startswith(f"escalation:{esc.id}:")]
        assert keys == [
            f"escalation:{esc.id}:dm:UMARIA",
            f"escalation:{esc.id}:dm:ULI",
            f"escalation:{esc.id}:dm:USAM",
            f"escalation:{esc.id}:notice",
        ]
    ordinary = raise_(store, support, "budget", key="k-ordinary").escalation
    assert ordinary.needs_council is False


def test_informed_parties_get_a_short_dm_once(store: Session) -> None:
    support = make_workflow(store, "Q&A triage")
    assign(store, support, OwnerRole.OUTCOME, MARIA)
    assign(store, support, OwnerRole.WORKFLOW, LI)
    seat(store, DANA, EVE, MARIA)
    set_duty(
        store, support, DecisionPoint.POLICY_EXCEPTION, Duty.INFORMED, ["workflow_owner", "council"]
    )
    esc = raise_(store, support, summary="<!channel> said & more").escalation
    informed = [k for k in outbox_keys(store) if ":informed:" in k]
    # Maria owns it (already DMed) and Eve raised it: neither gets the short DM.
    assert informed == [f"escalation:{esc.id}:informed:ULI", f"escalation:{esc.id}:informed:UDANA"]
    text = outbox_by_key(store)[informed[0]].payload["text"]
    assert "*Q&amp;A triage*" in text and "&lt;!channel&gt; said &amp; more" in text
    assert "<!channel>" not in text and "<@UMARIA> owns it" in text


def test_a_repeated_key_returns_the_first_escalation_and_queues_nothing(store: Session) -> None:
    support = make_workflow(store)
    assign(store, support, OwnerRole.OUTCOME, MARIA)
    first = raise_(store, support, key="view:T:V1")
    counts = len(outbox_rows(store)), len(audit_rows(store))
    again = raise_(store, support, "budget", key="view:T:V1", summary="something else")
    assert (again.duplicate, again.escalation.id) == (True, first.escalation.id)
    assert again.escalation.summary == "Bot promised credits"
    assert (len(outbox_rows(store)), len(audit_rows(store))) == counts
    assert raise_(store, support, key="view:T:V2").duplicate is False


def test_two_simultaneous_submits_store_one_escalation(store: Session, any_engine) -> None:
    support = make_workflow(store)
    assign(store, support, OwnerRole.OUTCOME, MARIA)
    store.commit()
    first = raise_(store, support, key="view:T:V9")  # not committed yet: the race is open
    results = []

    def second() -> None:
        with new_session(any_engine) as other:
            workflow = other.get(Workflow, support.id)
            results.append(raise_(other, workflow, key="view:T:V9"))
            other.commit()

    thread = threading.Thread(target=second)
    thread.start()
    store.commit()
    thread.join(timeout=30)
    (again,) = results
    assert (again.duplicate, again.escalation.id) == (True, first.escalation.id)
    with new_session(any_engine) as check:
        assert len(check.exec(select(Escalation)).all()) == 1
        assert len([k for k in outbox_keys(check) if k.endswith(":dm:UMARIA")]) == 1


def test_nothing_is_stored_for_an_invalid_report(store: Session) -> None:
    support = make_workflow(store)
    with pytest.raises(InvalidInput):
        raise_(store, support, summary=" ")
    assert store.exec(select(Escalation)).all() == []
    assert not [k for k in outbox_keys(store) if k.startswith("escalation:")]


def test_confirmation_says_who_owns_it(db: Session) -> None:
    support = make_workflow(db)
    nobody = raise_(db, support, key="a").escalation
    text = messages.confirmation_text(db, nobody, support)
    assert "Nobody is accountable" in text and f"<#{GOV}>" in text
    seat(db, DANA)
    council = raise_(db, support, key="b").escalation
    assert "The AI council holds it (<@UDANA>)" in messages.confirmation_text(db, council, support)
    assign(db, support, OwnerRole.OUTCOME, MARIA)
    sev1 = raise_(db, support, key="c", severity=Severity.SEV1).escalation
    text = messages.confirmation_text(db, sev1, support)
    assert f"Escalation #{sev1.id} on *Support resolution*" in text
    assert "<@UMARIA> owns it (approver: Outcome owner)" in text
    assert "The AI council has been told as well." in text
