"""The escalation map message as data, built from a real map (cadence.escalation_map.build_map)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from cadence.accountability.authority import COUNCIL_MATTERS, council_matters_for
from cadence.accountability.escalation_map import EscalationMap, build_map
from cadence.accountability.queries import COUNCIL, OUTCOME_OWNER, stage_party
from cadence.people import Person
from cadence.vocabulary import DecisionPoint, Duty
from handlers.blocks.escalation_map import build_escalation_map, map_text
from handlers.blocks.kit import fallback_text
from tests.blockkit import assert_within_limits, text_objects
from tests.handlers.block_inputs import (
    assert_user_text_escaped,
    council,
    hostile_stages,
    hostile_workflow,
    store_council,
    store_owner,
    store_right,
    store_workflow,
    workflow,
)

GONE = "UGONE"


def row_texts(blocks: list[dict]) -> dict[DecisionPoint, str]:
    """The section of each decision point, found by its bold label."""
    rows = {}
    for point in DecisionPoint:
        found = [t for t in text_objects(blocks, kind="mrkdwn") if t.startswith(f"*{point.label}*")]
        assert len(found) == 1, f"{point.label}: {len(found)} rows"
        rows[point] = found[0]
    return rows


def gaps_text(blocks: list[dict]) -> str:
    return next(t for t in text_objects(blocks) if t.startswith(":warning: *Gaps*"))


@pytest.fixture
def normal_map(db: Session) -> EscalationMap:
    wf = store_workflow(db, workflow())
    store_owner(db, wf, "outcome", "UMARIA")
    store_owner(db, wf, "workflow", "ULI")
    store_owner(db, wf, "stage", "USAM", stage="Intake")
    store_council(db, ["UDANA", "UEVE"])
    store_right(db, wf, DecisionPoint.BUDGET, Duty.APPROVES, [COUNCIL])
    store_right(db, wf, DecisionPoint.MODEL_CHANGE, Duty.EXECUTES, [stage_party("Intake")])
    return build_map(db, workflow=wf, people={})


@pytest.fixture
def gaps_map(db: Session) -> EscalationMap:
    """No outcome or workflow owner, a stage owner who left, no council."""
    wf = store_workflow(db, workflow())
    store_owner(db, wf, "stage", GONE, stage="Intake")
    store_right(db, wf, DecisionPoint.ROLLOUT_GATE, Duty.APPROVES, [stage_party("Intake")])
    return build_map(db, workflow=wf, people={GONE: Person(id=GONE, deleted=True)})


@pytest.fixture
def hostile_map(db: Session) -> EscalationMap:
    """The largest map: 50 hostile stage owners and a council of 60, all of whom left."""
    wf = store_workflow(db, hostile_workflow(1))
    stages = hostile_stages(50)
    members = council(60)
    store_owner(db, wf, "outcome", GONE)
    for stage, user in stages.items():
        store_owner(db, wf, "stage", user, stage=stage)
    store_council(db, members)
    everyone = [*map(stage_party, stages), COUNCIL, OUTCOME_OWNER]
    for point in DecisionPoint:
        store_right(db, wf, point, Duty.INFORMED, everyone)
        store_right(db, wf, point, Duty.APPROVES, [stage_party(list(stages)[-1])])
    left = {u: None for u in [GONE, *stages.values(), *members]}
    return build_map(db, workflow=wf, people=left)


def test_map_fits_in_a_message(normal_map: EscalationMap) -> None:
    assert_within_limits(
        build_escalation_map(normal_map), "message", text=fallback_text(map_text(normal_map))
    )


def test_map_shows_workflow_owners_and_council(normal_map: EscalationMap) -> None:
    blocks = build_escalation_map(normal_map)
    assert blocks[0]["text"]["text"] == "Escalation map: Support resolution"
    text = "\n".join(text_objects(blocks))
    assert "<#CGOV> · risk high · outcome: _reduce time to resolution_" in text
    assert "Outcome owner: <@UMARIA> · Workflow owner: <@ULI>" in text
    assert "*AI council:* <@UDANA>, <@UEVE>" in text
    assert ", ".join(m.label.lower() for m in COUNCIL_MATTERS) in text
    assert ":white_check_mark: No gaps" in text
    assert "`/cadence rights Support resolution`" in text
    assert map_text(normal_map) == "Escalation map for Support resolution"


def test_map_names_every_decision_point_with_its_four_duties(normal_map: EscalationMap) -> None:
    rows = row_texts(build_escalation_map(normal_map))
    for point, text in rows.items():
        approver = (
            "<@UDANA>, <@UEVE> (AI council)"
            if point == DecisionPoint.BUDGET
            else "<@UMARIA> (Outcome owner)"
        )
        executor = (
            "<@USAM> (Stage owner (Intake))"
            if point == DecisionPoint.MODEL_CHANGE
            else "<@ULI> (Workflow owner)"
        )
        assert "\nRecommends: <@ULI> (Workflow owner)\n" in text
        assert f"\nApproves: {approver}\n" in text
        assert f"\nExecutes: {executor}\n" in text
        assert "\nInformed: <@UDANA>, <@UEVE> (AI council)" in text
        assert ":warning:" not in text


def test_map_says_always_the_ai_council_for_council_matters(normal_map: EscalationMap) -> None:
    rows = row_texts(build_escalation_map(normal_map))
    for point, text in rows.items():
        matters = council_matters_for(point)
        if matters:
            line = "Always the AI council: " + ", ".join(m.label.lower() for m in matters)
            assert line in text, point
        else:
            assert "Always the AI council" not in text, point
    assert any(not council_matters_for(p) for p in DecisionPoint)  # the else branch is exercised


def test_map_lists_every_gap(gaps_map: EscalationMap) -> None:
    blocks = build_escalation_map(gaps_map)
    assert_within_limits(blocks, "message", text=map_text(gaps_map))
    gaps = gaps_text(blocks)
    for gap in (
        "• no outcome owner",
        "• no workflow owner",
        "• stage owner for “Intake” <@UGONE> has left the workspace",
        "• no AI council yet: council-only matters have nowhere to go",
        "• 7 of 7 decision points have a role unset",
    ):
        assert gap in gaps
    assert "*AI council:* _nobody_" in "\n".join(text_objects(blocks))
    rows = row_texts(blocks)
    assert (
        ":warning: recommender unset; approver unset; executor unset" in rows[DecisionPoint.BUDGET]
    )
    assert (
        ":warning: recommender unset; approver <@UGONE> has left the workspace; executor unset"
        in rows[DecisionPoint.ROLLOUT_GATE]
    )


def test_hostile_map_fits_in_a_message(hostile_map: EscalationMap) -> None:
    blocks = build_escalation_map(hostile_map)
    assert_within_limits(blocks, "message", text=fallback_text(map_text(hostile_map)))
    assert row_texts(blocks).keys() == set(DecisionPoint)
    shown = ", ".join(f"<@{u}>" for u in council(60)[:20])
    assert f"*AI council:* {shown} and 40 more" in "\n".join(text_objects(blocks))
    gaps = gaps_text(blocks)
    assert "• no workflow owner\n• outcome owner <@UGONE> has left the workspace\n" in gaps


def test_hostile_map_still_says_always_the_ai_council_on_each_row(
    hostile_map: EscalationMap,
) -> None:
    """BUG: a row's text is truncated at 3000 characters from the end, and the council line comes
    after the duties, so with many parties the 'Always the AI council' line is cut off."""
    rows = row_texts(build_escalation_map(hostile_map))
    missing = [
        p.label
        for p, t in rows.items()
        if council_matters_for(p) and "Always the AI council" not in t
    ]
    assert missing == []


def test_hostile_map_still_counts_decision_points_with_gaps(hostile_map: EscalationMap) -> None:
    """BUG: the gaps section is truncated from the end, so with many gaps the summary of the
    decision points with gaps (the last line) is cut off."""
    assert "• 7 of 7 decision points have a role unset" in gaps_text(
        build_escalation_map(hostile_map)
    )


def test_hostile_map_escapes_workflow_name_and_outcome(db: Session) -> None:
    wf = store_workflow(db, hostile_workflow(2))
    blocks = build_escalation_map(build_map(db, workflow=wf, people={}))
    assert_user_text_escaped(blocks)


def test_hostile_map_escapes_stage_names(hostile_map: EscalationMap) -> None:
    """BUG: stage names reach the map unescaped, through party_label() in each row and through
    the 'stage owner for “…” has left' gaps of cadence.escalation_map.build_map."""
    assert_user_text_escaped(build_escalation_map(hostile_map))


def test_map_notification_text_escapes_the_workflow_name(db: Session) -> None:
    """map_text() is sent as the message's top-level `text`, which Slack also reads as mrkdwn."""
    built = build_map(db, workflow=store_workflow(db, hostile_workflow(3)), people={})
    text = map_text(built)
    assert "&lt;@U123&gt;" in text
    assert "<@U123>" not in text and "<https://evil.example|" not in text
