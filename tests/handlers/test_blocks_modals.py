"""The owner modal, the decision-rights modal and the confirmation modal as data."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cadence.accountability.authority import council_matters_for
from cadence.accountability.queries import (
    COUNCIL,
    OUTCOME_OWNER,
    WORKFLOW_OWNER,
    Owners,
    RightsMap,
    default_map,
    stage_party,
)
from cadence.accountability.rights import party_label
from cadence.text import unescape
from cadence.vocabulary import DecisionPoint, Duty, OwnerRole
from handlers.blocks.kit import truncate
from handlers.blocks.modals import (
    NOBODY,
    build_done_modal,
    build_owner_modal,
    build_rights_modal,
    modal_error,
)
from handlers.ids import INPUT_ACTION, OwnerField, View, rights_block_id
from slackfake.limits import LIMITS
from tests.blockkit import assert_within_limits, text_objects
from tests.handlers.block_inputs import (
    assert_user_text_escaped,
    hostile_stages,
    hostile_workflow,
    workflow,
    workflows,
)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Input blocks by block_id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def values(element_options: list[dict[str, Any]]) -> list[str]:
    return [o["value"] for o in element_options]


# -- owner modal -------------------------------------------------------------------------------


def test_owner_modal_asks_for_workflow_role_stage_and_person() -> None:
    view = build_owner_modal(workflows(3))
    assert_within_limits(view, "modal")
    assert view["callback_id"] == View.OWNER and view["submit"]["text"] == "Assign"
    fields = inputs(view)
    assert list(fields) == [
        OwnerField.WORKFLOW,
        OwnerField.ROLE,
        OwnerField.STAGE,
        OwnerField.PERSON,
    ]
    assert all(b["element"]["action_id"] == INPUT_ACTION for b in fields.values())
    choose = fields[OwnerField.WORKFLOW]["element"]
    assert [(o["text"]["text"], o["value"]) for o in choose["options"]] == [
        ("Workflow 001", "1"),
        ("Workflow 002", "2"),
        ("Workflow 003", "3"),
    ]
    role = fields[OwnerField.ROLE]["element"]
    assert values(role["options"]) == [OwnerRole.OUTCOME, OwnerRole.WORKFLOW, OwnerRole.STAGE]
    assert role["initial_option"]["value"] == OwnerRole.OUTCOME
    assert fields[OwnerField.STAGE]["optional"] is True
    assert fields[OwnerField.PERSON]["element"]["type"] == "users_select"


@pytest.mark.parametrize("hostile_names", [False, True])
def test_owner_modal_with_150_workflows_offers_the_first_100(hostile_names: bool) -> None:
    items = workflows(150, hostile_names=hostile_names)
    view = build_owner_modal(items)
    assert_within_limits(view, "modal")
    options = inputs(view)[OwnerField.WORKFLOW]["element"]["options"]
    assert len(options) == LIMITS.select_options == 100
    assert values(options) == [str(w.id) for w in items[:100]]
    # plain_text shows the name as typed (nothing to escape), cut to Slack's 75 characters
    assert [o["text"]["text"] for o in options] == [truncate(w.name, 75) for w in items[:100]]


# -- decision-rights modal ---------------------------------------------------------------------


def preselected(view: dict[str, Any]) -> RightsMap:
    """What the modal shows as chosen, read back the way Slack would."""
    fields = inputs(view)
    shown: RightsMap = {}
    for point in DecisionPoint:
        shown[point] = {}
        for duty in Duty:
            element = fields[rights_block_id(point, duty)]["element"]
            if duty == Duty.INFORMED:
                shown[point][duty] = values(element.get("initial_options", []))
            else:
                shown[point][duty] = [element["initial_option"]["value"]]
    return shown


def test_rights_modal_has_one_input_per_decision_point_and_duty() -> None:
    wf = workflow(42)
    view = build_rights_modal(wf, Owners(), default_map())
    assert_within_limits(view, "modal")
    assert view["callback_id"] == View.RIGHTS and view["submit"]["text"] == "Save"
    assert json.loads(view["private_metadata"]) == {"workflow_id": 42}
    assert list(inputs(view)) == [rights_block_id(p, d) for p in DecisionPoint for d in Duty]
    fields = inputs(view)
    for point in DecisionPoint:
        for duty in Duty:
            block = fields[rights_block_id(point, duty)]
            assert block["label"]["text"] == duty.value.capitalize()
            kind = "multi_static_select" if duty == Duty.INFORMED else "static_select"
            assert block["element"]["type"] == kind
            assert block.get("optional", False) == (duty == Duty.INFORMED)
    mrkdwn = text_objects(view, kind="mrkdwn")
    for point in DecisionPoint:
        assert f"*{point.label}*" in mrkdwn
        matters = council_matters_for(point)
        if matters:
            line = "Always the AI council: " + ", ".join(m.label.lower() for m in matters)
            assert line in mrkdwn


def test_rights_modal_with_no_stages_preselects_the_defaults() -> None:
    view = build_rights_modal(workflow(), Owners(), default_map())
    assert preselected(view) == {
        p: {
            Duty.RECOMMENDS: [WORKFLOW_OWNER],
            Duty.APPROVES: [OUTCOME_OWNER],
            Duty.EXECUTES: [WORKFLOW_OWNER],
            Duty.INFORMED: [COUNCIL],
        }
        for p in DecisionPoint
    }
    element = inputs(view)[rights_block_id(DecisionPoint.BUDGET, Duty.APPROVES)]["element"]
    assert values(element["options"]) == [OUTCOME_OWNER, WORKFLOW_OWNER, COUNCIL, NOBODY]
    informed = inputs(view)[rights_block_id(DecisionPoint.BUDGET, Duty.INFORMED)]["element"]
    assert values(informed["options"]) == [OUTCOME_OWNER, WORKFLOW_OWNER, COUNCIL]


def test_rights_modal_preselects_the_map_in_force() -> None:
    owners = Owners(stages={"Intake": "USAM"})
    current = default_map()
    current[DecisionPoint.BUDGET][Duty.APPROVES] = [COUNCIL]
    current[DecisionPoint.MODEL_CHANGE][Duty.RECOMMENDS] = [stage_party("Intake")]
    current[DecisionPoint.COMPLIANCE][Duty.EXECUTES] = []
    current[DecisionPoint.GOVERNANCE][Duty.INFORMED] = [OUTCOME_OWNER, stage_party("Intake")]
    current[DecisionPoint.ROLLOUT_GATE][Duty.INFORMED] = []
    # a stage that no longer has an owner cannot be shown; the select falls back to "Nobody"
    current[DecisionPoint.INCIDENT_RESPONSE][Duty.APPROVES] = [stage_party("Retired stage")]
    view = build_rights_modal(workflow(), owners, current)
    assert_within_limits(view, "modal")
    expected = {
        p: {d: list(parties) for d, parties in duties.items()} for p, duties in current.items()
    }
    expected[DecisionPoint.COMPLIANCE][Duty.EXECUTES] = [NOBODY]
    expected[DecisionPoint.INCIDENT_RESPONSE][Duty.APPROVES] = [NOBODY]
    assert preselected(view) == expected
    element = inputs(view)[rights_block_id(DecisionPoint.MODEL_CHANGE, Duty.RECOMMENDS)]["element"]
    assert element["initial_option"] == {
        "text": {"type": "plain_text", "emoji": True, "text": "Stage owner (Intake)"},
        "value": "stage:Intake",
    }


def hostile_rights(stage_count: int) -> tuple[Owners, RightsMap]:
    stages = hostile_stages(stage_count)
    current = default_map()
    everyone = [OUTCOME_OWNER, WORKFLOW_OWNER, *map(stage_party, stages), COUNCIL]
    for point in DecisionPoint:
        current[point][Duty.INFORMED] = everyone
        current[point][Duty.APPROVES] = [stage_party(list(stages)[-1])]
    return Owners(stages=stages), current


def test_rights_modal_with_40_hostile_stages_stays_within_limits() -> None:
    owners, current = hostile_rights(40)
    view = build_rights_modal(hostile_workflow(1), owners, current)
    assert_within_limits(view, "modal")
    last_stage = stage_party(list(owners.stages)[-1])
    shown = preselected(view)
    for point in DecisionPoint:
        assert shown[point][Duty.INFORMED] == current[point][Duty.INFORMED]
        assert shown[point][Duty.APPROVES] == [last_stage]
    element = inputs(view)[rights_block_id(DecisionPoint.BUDGET, Duty.EXECUTES)]["element"]
    assert len(element["options"]) == 2 + 40 + 1 + 1
    stage_options = [o for o in element["options"] if o["value"].startswith("stage:")]
    assert [o["text"]["text"] for o in stage_options] == [
        truncate(unescape(party_label(stage_party(s))), 75) for s in owners.stages
    ]


def test_rights_modal_escapes_the_workflow_name() -> None:
    owners, current = hostile_rights(40)
    assert_user_text_escaped(build_rights_modal(hostile_workflow(1), owners, current))


def test_rights_modal_with_97_stage_owners_stays_within_select_option_limit() -> None:
    """BUG: each duty select offers every stage plus outcome, workflow, council and "Nobody";
    nothing caps the number of stages, so from 97 stage owners the select has 101 options and
    Slack refuses to open the modal (views.open: invalid_arguments)."""
    owners, current = hostile_rights(97)
    assert_within_limits(build_rights_modal(workflow(), owners, current), "modal")


# -- confirmation modal and error text ---------------------------------------------------------


def test_done_modal_shows_the_text_and_only_a_close_button() -> None:
    view = build_done_modal("Owner assigned", ":white_check_mark: <@USAM> is now the owner.")
    assert_within_limits(view, "modal")
    assert view["title"]["text"] == "Owner assigned"
    assert "submit" not in view and view["close"]["text"] == "Cancel"
    assert text_objects(view, kind="mrkdwn") == [":white_check_mark: <@USAM> is now the owner."]


def test_done_modal_with_huge_title_and_text_stays_within_limits() -> None:
    view = build_done_modal("Decision rights for " + "x" * 200, "• change\n" * 1000)
    assert_within_limits(view, "modal")
    assert view["title"]["text"].endswith("…")


def test_modal_error_is_plain_and_short() -> None:
    text = modal_error("*Sorry*, <@U123|sam> can't be `owner` of _x_. " + "y" * 3000)
    assert text.startswith("Sorry, that person can't be owner of x. ")
    assert len(text) <= 2000
