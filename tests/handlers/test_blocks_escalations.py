"""Escalation modals and messages as data: inside Block Kit's limits, user text escaped."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from cadence.escalations.queries import Card, Gap, Listed
from cadence.escalations.raising import DETAILS_MAX, SUMMARY_MAX, Severity
from cadence.vocabulary import CouncilMatter, DecisionPoint
from handlers.blocks.escalation_modals import (
    Prefill,
    build_escalation_modal,
    build_hand_off_modal,
    build_resolve_modal,
    kind_value,
    read_kind,
)
from handlers.blocks.escalations import (
    build_escalation_detail,
    build_escalation_list,
    build_escalation_message,
    build_gaps,
    describe_event,
    when,
)
from handlers.commands.escalate import form_metadata, read_command_text
from handlers.ids import EscalationAction
from slackfake.forms import all_text, buttons
from storage.models import Escalation, EscalationEvent
from tests.blockkit import assert_within_limits
from tests.handlers.block_inputs import (
    assert_user_text_escaped,
    hostile,
    hostile_workflow,
    workflow,
)
from tests.handlers.block_inputs import workflows as many_workflows

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def long_hostile(index: int, length: int) -> str:
    """Hostile text of any length (block_inputs.hostile stops near 1000)."""
    return (hostile(index, 1000) * (length // 1000 + 1))[:length]


def escalation(number: int = 42, *, hostile_text: bool = False, **changes) -> Escalation:
    text = (
        {
            "summary": long_hostile(number, SUMMARY_MAX),
            "details": long_hostile(number, DETAILS_MAX),
            "resolution": long_hostile(number, 3000),
        }
        if hostile_text
        else {"summary": "Refund bot promised credits", "details": None, "resolution": None}
    )
    fields = {
        "id": number,
        "team_id": "T0TEAM",
        "workflow_id": 1,
        "decision_point": "budget",
        "severity": "sev2",
        "raised_by": "UEVE",
        "routed_to": "UMARIA",
        "routed_via": "approver: Outcome owner",
        "status": "open",
        "idempotency_key": f"k{number}",
        "created_at": START,
        **text,
        **changes,
    }
    return Escalation(**fields)


def card(esc: Escalation, *, viewer: str | None = "UMARIA", buttons: bool = True, wf=None) -> Card:
    return Card(esc, wf or workflow(), ["UDANA", "USAM"], viewer, buttons)


def event(kind: str, actor: str = "UMARIA", authorized: bool = True, **detail) -> EscalationEvent:
    return EscalationEvent(
        id=1,
        escalation_id=42,
        kind=kind,
        actor=actor,
        authorized=authorized,
        detail=detail,
        created_at=START + timedelta(minutes=5),
    )


def test_the_raise_modal_fits_with_many_hostile_workflows_and_a_long_prefill() -> None:
    flows = many_workflows(150, hostile_names=True)
    prefill = Prefill(
        workflow_id=7, kind=kind_value(CouncilMatter.SEV1_INCIDENT), summary=long_hostile(1, 2000)
    )
    view = build_escalation_modal(flows, prefill=prefill, metadata=form_metadata("C1", "x" * 5000))
    assert_within_limits(view, "modal")
    select = view["blocks"][0]["element"]
    assert len(select["options"]) == 100 and select["initial_option"]["value"] == "7"
    summary = view["blocks"][3]["element"]
    assert len(summary["initial_value"]) == summary["max_length"] == SUMMARY_MAX
    assert view["blocks"][1]["element"]["initial_option"]["value"] == "matter:sev1_incident"


def test_private_metadata_stays_valid_json_within_its_limit() -> None:
    for text in ('"' * 3000, "\\" * 2500, "é" * 2000, "short"):
        data = form_metadata("C0GENERAL", text)
        assert len(data) <= 3000
        decoded = json.loads(data)
        assert decoded["channel"] == "C0GENERAL" and text.startswith(decoded["text"])
    assert json.loads(form_metadata("C1", "short"))["text"] == "short"


def test_kind_values_round_trip() -> None:
    for kind in [*DecisionPoint, *CouncilMatter]:
        assert read_kind(kind_value(kind)) == kind
    with pytest.raises(ValueError):
        read_kind("point:nonsense")


def test_the_command_text_is_read_as_the_old_form_or_as_a_summary() -> None:
    flows = [workflow(1, name="Support resolution"), workflow(2, name="Support")]
    flows[1].channel_id = "C0SUPPORT"
    assert read_command_text(
        "support resolution: bot lies #budget-overrun", flows, channel_id="C0X"
    ) == Prefill(1, "matter:budget_overrun", "bot lies")
    assert read_command_text("Support bot lies", flows, channel_id="C0X") == Prefill(
        2, None, "bot lies"
    )
    assert read_command_text("the bot lies #weird", flows, channel_id="C0SUPPORT") == Prefill(
        2, None, "the bot lies #weird"
    )
    assert read_command_text("Unknown: the bot lies", flows, channel_id="C0X") == Prefill(
        None, None, "Unknown: the bot lies"
    )


def test_step_modals_fit_and_escape_the_summary() -> None:
    esc = escalation(hostile_text=True)
    for view in (
        build_resolve_modal(42, esc.summary, '{"escalation_id": 42}'),
        build_hand_off_modal(42, esc.summary, '{"escalation_id": 42}'),
    ):
        assert_within_limits(view, "modal")
        assert_user_text_escaped(view)


@pytest.mark.parametrize("status", ["open", "acknowledged", "resolved"])
def test_the_message_fits_escapes_and_offers_the_buttons_that_make_sense(status) -> None:
    esc = escalation(
        hostile_text=True,
        status=status,
        link="https://t.example/" + "a" * 480,
        acknowledged_at=START,
        acknowledged_by="UMARIA",
        resolved_at=START,
        resolved_by="UMARIA",
    )
    message = build_escalation_message(
        card(esc, wf=hostile_workflow(1), buttons=status != "resolved"), "Europe/Paris"
    )
    assert_within_limits(message, "message", text=message["text"])
    assert_user_text_escaped(message)
    expected = {
        "open": ["Acknowledge", "Resolve", "Hand off"],
        "acknowledged": ["Resolve", "Hand off"],
        "resolved": [],
    }[status]
    assert [b["text"] for b in buttons(message["blocks"])] == expected
    assert all(b["value"] == "42" for b in buttons(message["blocks"]))
    if expected:
        assert buttons(message["blocks"])[-1]["action_id"] == EscalationAction.HAND_OFF


def test_the_message_says_whose_it_is() -> None:
    council_view = all_text(build_escalation_message(card(escalation(), viewer="UDANA"), "UTC"))
    assert "You are on the AI council, so you may act on it too." in council_view
    gone = all_text(
        build_escalation_message(card(escalation(), viewer="ULI", buttons=False), "UTC")
    )
    assert "It is no longer with you." in gone
    held = all_text(build_escalation_message(card(escalation(routed_to=None), viewer=None), "UTC"))
    assert "The AI council holds it (<@UDANA>, <@USAM>)." in held


def test_times_show_in_each_readers_zone_with_a_workspace_fallback() -> None:
    assert when(START, "Pacific/Auckland") == (
        f"<!date^{int(START.timestamp())}^{{date_short_pretty}} {{time}}|2026-11-23 22:00 NZDT>"
    )


def test_list_and_gaps_fit_when_full_of_hostile_text() -> None:
    listed = [Listed(escalation(n, hostile_text=True), hostile(n, 80)) for n in range(15)]
    blocks = build_escalation_list(listed, 40, "UTC")
    assert_within_limits(blocks, "message")
    assert_user_text_escaped(blocks)
    assert "…and 25 more" in all_text(blocks)
    gaps = [
        Gap(
            event("unauthorized_attempt", "UEVE", False, action="resolve", owner="UMARIA"),
            escalation(n),
            hostile(n, 80),
        )
        for n in range(20)
    ]
    blocks = build_gaps(gaps, "UTC")
    assert_within_limits(blocks, "message")
    assert_user_text_escaped(blocks)
    assert "No ownership gaps" in all_text(build_gaps([], "UTC"))


def test_detail_shows_the_timeline_and_stays_within_limits() -> None:
    esc = escalation(
        hostile_text=True,
        status="resolved",
        resolved_at=START,
        resolved_by="UMARIA",
        ack_latency_seconds=300,
        resolve_latency_seconds=3900,
    )
    reasons = {"reason": hostile(3, 500)}
    events = [
        event("raised", "UEVE"),
        event("routed", "UEVE", to="UMARIA", via="approver"),
        event("handed_off", to="ULI", **reasons),
        event("rerouted", "cadence", False, **{"from": "ULI", "to": None}, **reasons),
        event("resolved", note=long_hostile(4, 3000)),
    ] * 6
    blocks = build_escalation_detail(card(esc, viewer=None), events, "UTC")
    assert_within_limits(blocks, "message")
    assert_user_text_escaped(blocks)
    shown = all_text(blocks)
    assert "acknowledged after 5 min, resolved after 1 h 5 min" in shown
    assert "without explicit authority" in shown and "_cadence_ re-routed it from <@ULI>" in shown


def test_each_event_reads_as_a_sentence() -> None:
    assert describe_event(event("routed", to=None, via="nobody")) == "routed it to nobody (nobody)"
    assert (
        describe_event(event("handed_off", to="ULI", reason="a<b")) == "handed it to <@ULI>: a&lt;b"
    )
    assert describe_event(event("unauthorized_attempt", action="hand off", owner=None)) == (
        "tried to hand off without authority"
    )
    assert describe_event(event("acknowledged")) == "acknowledged it"
    assert Severity.SEV1.label == "sev-1" and len(Severity.SEV1.hint) <= 75
