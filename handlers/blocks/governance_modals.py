"""The decision modal and the scorecard modal of the weekly governance rhythm."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from cadence.governance.decisions import FOLLOW_UPS_MAX, RATIONALE_MAX
from cadence.governance.scorecard import REPORTED, MetricRow
from cadence.governance.trends import Trend
from cadence.kpi.tree import number as kpi_number
from cadence.kpi.view import KpiTreeView
from cadence.vocabulary import VOTE_CHOICES, GovernanceChoice, ScorecardMetric
from handlers.blocks.governance import scorecard_lines, tally_line
from handlers.blocks.kit import context, escape, option, plain, section
from handlers.blocks.trends import trend_line
from handlers.ids import (
    INPUT_ACTION,
    GovernanceBlock,
    View,
    follow_up_block_id,
    kpi_value_block_id,
    scorecard_block_id,
)
from slackfake.limits import LIMITS
from storage.models import Workflow

FOLLOW_UP_PARTS = ("what", "owner", "due")


def _input(block_id: str, label: str, element: dict[str, Any], *, optional: bool) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.input_label),
        "element": {"action_id": INPUT_ACTION, **element},
        "optional": optional,
    }


def _modal(callback_id: str, title: str, blocks: list[dict], metadata: dict, submit: str) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, LIMITS.modal_title),
        "submit": plain(submit, LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "blocks": blocks,
        "private_metadata": json.dumps(metadata),
    }


def build_decision_modal(
    *,
    session_id: int,
    workflow: Workflow,
    week_start: date,
    tally: dict[GovernanceChoice, int],
    leading: GovernanceChoice | None,
) -> dict[str, Any]:
    """Record the week's decision: choice (preset to the leading vote), rationale, actions."""
    choices = [option(c.label, c.value) for c in VOTE_CHOICES]
    radio: dict[str, Any] = {"type": "radio_buttons", "options": choices}
    if leading is not None:
        radio["initial_option"] = next(o for o in choices if o["value"] == leading.value)
    blocks: list[dict[str, Any]] = [
        section(
            f"*{escape(workflow.name)}* — week of {week_start:%d %b %Y}\nVotes: {tally_line(tally)}"
        ),
        _input(GovernanceBlock.CHOICE, "Decision", radio, optional=False),
        _input(
            GovernanceBlock.RATIONALE,
            "Rationale",
            {
                "type": "plain_text_input",
                "multiline": True,
                "max_length": RATIONALE_MAX,
                "placeholder": plain("Why this decision, in a few sentences", LIMITS.placeholder),
            },
            optional=False,
        ),
        context(
            "Pause and Stop need at least one follow-up action and a re-review date. "
            "An action needs what and who; the due date is optional."
        ),
    ]
    for number in range(1, FOLLOW_UPS_MAX + 1):
        blocks += _follow_up_inputs(number)
    blocks.append(
        _input(
            GovernanceBlock.RE_REVIEW,
            "Re-review date (pause and stop)",
            {"type": "datepicker"},
            optional=True,
        )
    )
    return _modal(View.DECISION, "Record decision", blocks, {"session_id": session_id}, "Record")


def _follow_up_inputs(number: int) -> list[dict[str, Any]]:
    """One follow-up action's row of the decision form: what, who, by when."""
    return [
        _input(
            follow_up_block_id(number, "what"),
            f"Follow-up {number}: what",
            {
                "type": "plain_text_input",
                "max_length": 500,
                "placeholder": plain(
                    "e.g. Add a human check on refunds over $500", LIMITS.placeholder
                ),
            },
            optional=True,
        ),
        _input(
            follow_up_block_id(number, "owner"),
            f"Follow-up {number}: owner",
            {"type": "users_select", "placeholder": plain("Who does it", LIMITS.placeholder)},
            optional=True,
        ),
        _input(
            follow_up_block_id(number, "due"),
            f"Follow-up {number}: due date",
            {"type": "datepicker"},
            optional=True,
        ),
    ]


def build_scorecard_modal(
    *,
    workflow: Workflow,
    week_start: date,
    current: dict[str, float],
    latency: MetricRow | None,
    trends: list[Trend] | None = None,
    kpi: KpiTreeView | None = None,
) -> dict[str, Any]:
    """This week's four measures, prefilled with what was reported so far, then the KPI tree's
    leaf metrics; each one's trend over the last weeks is its hint."""
    by_metric = {t.metric: t for t in trends or []}
    blocks: list[dict[str, Any]] = [
        section(
            f"*{escape(workflow.name)}* — scorecard for the week of {week_start:%d %b %Y}. "
            "Leave a field empty if you have no figure."
        )
    ]
    for metric, spec in REPORTED.items():
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "max_length": 20,
            "placeholder": plain(
                "e.g. 95" if spec.unit == "%" else "e.g. 1240", LIMITS.placeholder
            ),
        }
        if metric.value in current:
            value = current[metric.value]
            element["initial_value"] = str(int(value)) if value == int(value) else str(value)
        unit = "percent, 0-100" if spec.unit == "%" else spec.unit
        block = _input(scorecard_block_id(metric), f"{spec.label} ({unit})", element, optional=True)
        trend = by_metric.get(metric)
        if trend is not None and (shown := trend_line(trend, code=False)) is not None:
            block["hint"] = plain(f"Last {len(trend.values)} weeks: {shown}", LIMITS.input_hint)
        blocks.append(block)
    if latency is not None:
        lines = scorecard_lines([latency], list(by_metric.values()))
        blocks.append(context("\n".join(lines) + "\n(computed, not typed in)"))
    if kpi is not None and kpi.leaves:
        blocks += kpi_leaf_inputs(kpi)
    metadata = {"workflow_id": workflow.id, "week_start": week_start.isoformat()}
    return _modal(View.SCORECARD, "Weekly scorecard", blocks, metadata, "Save")


def kpi_leaf_inputs(kpi: KpiTreeView) -> list[dict[str, Any]]:
    """A heading and one optional field per leaf of the KPI tree, prefilled with the week's
    value, its target and trend as the hint."""
    blocks: list[dict[str, Any]] = [
        section(
            "*KPI tree: leaf metrics* (optional). The levels above show how many of their "
            "leaves reach their targets."
        )
    ]
    for node in kpi.leaves:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "max_length": 20,
            "placeholder": plain(f"Target {node.direction.sign} {kpi_number(node.target)}",
                                 LIMITS.placeholder),
        }  # fmt: skip
        if node.values[-1] is not None:
            element["initial_value"] = kpi_number(node.values[-1]).replace(",", "")
        unit = f" ({node.unit})" if node.unit else ""
        block = _input(kpi_value_block_id(node.node_id), node.name + unit, element, optional=True)
        hint = f"Target {node.direction.sign} {kpi_number(node.target)} {node.unit}".rstrip()
        if sum(v is not None for v in node.values) > 0:
            hint += f" · last {len(node.values)} weeks: {node.sparkline()}"
        block["hint"] = plain(hint, LIMITS.input_hint)
        blocks.append(block)
    return blocks


def scorecard_fields() -> dict[str, ScorecardMetric]:
    """block_id → measure, for reading a submission."""
    return {scorecard_block_id(m): m for m in REPORTED}
