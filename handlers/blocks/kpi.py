"""The KPI tree as blocks: an indented tree with value, target, ✓/✗ and trend, collapsed to its
top two levels with "Show all" when long; the outcomes a bad week puts at risk; its modal."""

from __future__ import annotations

import json
from typing import Any

from cadence.governance.triggers import SPECS
from cadence.kpi.links import AtRisk
from cadence.kpi.tree import EXAMPLE, TREE_TEXT_MAX, number
from cadence.kpi.view import KpiTreeView, NodeView
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.kit import button, cap_blocks, context, escape, header, plain, section
from handlers.ids import INPUT_ACTION, KPI_TREE_BLOCK, ActionId, View, kpi_link_block_id
from slackfake.limits import LIMITS

INDENT = "\u2003\u2003"  # em spaces: Slack keeps them where it may collapse plain ones
MARKS = {True: "✓", False: "✗", None: "·"}
LEVEL_PATH = "primary goal → strategic driver → operational metric → technical input"


def amount(value: float, unit: str) -> str:
    """'85%', '2 s', '1,240 tickets'."""
    if unit == "%":
        return f"{number(value)}%"
    return f"{number(value)} {escape(unit)}".rstrip()


def node_line(node: NodeView) -> str:
    """'  ✓ *Tier-1 queries resolved*: 87% · target ≥ 85% · `▂▄▆█`' (indented by level)."""
    target = f"target {node.direction.sign} {amount(node.target, node.unit)}"
    value = node.value
    shown = "_no value yet_" if value is None else amount(value, node.unit)
    if value is not None and node.weeks_old:
        shown += f" _({node.weeks_old} wk ago)_"
    line = f"{INDENT * node.depth}{MARKS[node.met]} *{escape(node.name)}*: {shown} · {target}"
    if sum(v is not None for v in node.values) > 1:
        line += f" · `{node.sparkline()}`"
    met, missed, missing = node.below
    if met or missed:
        line += f" · below it: {met} ✓ {missed} ✗" + (
            f", {missing} not reported" if missing else ""
        )
    if node.linked:
        line += " · _" + ", ".join(SPECS[m].label.lower() for m in node.linked) + "_"
    return line


def _sections(title: str, lines: list[str]) -> list[dict[str, Any]]:
    """The lines in as few sections as Slack's 3,000 characters per section allow."""
    blocks: list[dict[str, Any]] = []
    current = title
    for line in lines:
        if len(current) + 1 + len(line) > LIMITS.section_text:
            blocks.append(section(current))
            current = line
        else:
            current += "\n" + line
    blocks.append(section(current))
    return blocks


def show_all_value(tree: KpiTreeView) -> str:
    """The Show all button's value: which workflow, and the week whose values were shown."""
    return f"{tree.workflow_id}:{tree.week_start.isoformat()}"


def build_kpi_blocks(tree: KpiTreeView, *, full: bool = False) -> list[dict[str, Any]]:
    """The tree (its top two levels with a Show all button when long, unless `full`), a
    caption, and the outcomes this week puts at risk."""
    nodes = tree.shown(full=full)
    blocks = _sections("*KPI tree*", [node_line(n) for n in nodes])
    caption = [
        f"✓ target reached · ✗ not reached · values up to the week of {tree.week_start:%d %b}; "
        f"trends over the last {len(tree.weeks)} weeks, a blank bar is a week with no value.",
        f"Levels: {LEVEL_PATH}.",
    ]
    if len(nodes) < len(tree.nodes):
        caption.append(f"Showing the top two levels: {len(nodes)} of {len(tree.nodes)} nodes.")
    blocks.append(context(*caption))
    if len(nodes) < len(tree.nodes):
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    button(
                        f"Show all {len(tree.nodes)} nodes",
                        action_id=ActionId.KPI_SHOW_ALL,
                        value=show_all_value(tree),
                    )
                ],
            }
        )
    if tree.at_risk:
        blocks.append(section(":warning: *Outcomes at risk*\n" + "\n".join(risk_lines(tree))))
    return blocks


def risk_lines(tree: KpiTreeView) -> list[str]:
    """'• Exception rate rose (4% → 7.2%) → puts *Tier-1 queries resolved* at risk, and with it
    *Net revenue retention*'."""
    return [_risk_line(r) for r in tree.at_risk]


def _risk_line(risk: AtRisk) -> str:
    unit = SPECS[risk.metric].unit
    moved = f"{amount(risk.before, unit)} → {amount(risk.after, unit)}"
    if risk.metric == ScorecardMetric.DECISION_LATENCY:
        moved = f"{number(risk.before)} h → {number(risk.after)} h"
    line = f"• {risk.label} {risk.verb} ({moved}) → puts *{escape(risk.path[0])}* at risk"
    if len(risk.path) > 1:
        line += f", and with it *{escape(risk.path[-1])}*"
    return line


def build_kpi_message(workflow_name: str, tree: KpiTreeView) -> list[dict[str, Any]]:
    """The whole tree, for Show all."""
    blocks = [header(f"KPI tree: {workflow_name}"), *build_kpi_blocks(tree, full=True)]
    return cap_blocks(blocks, LIMITS.message_blocks, more="…")


def _text_input(block_id: str, label: str, element: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, LIMITS.input_label),
        "element": {"action_id": INPUT_ACTION, "type": "plain_text_input", **element},
        "optional": True,
    }


def build_kpi_modal(
    *, workflow_id: int, workflow_name: str, text: str, links: dict[ScorecardMetric, str]
) -> dict[str, Any]:
    """The whole tree in one field, one node per line, and the node each scorecard metric
    serves; prefilled with what is saved."""
    tree: dict[str, Any] = {
        "multiline": True,
        "max_length": TREE_TEXT_MAX,
        "placeholder": plain("goal | Net revenue retention | % | 110 | higher", LIMITS.placeholder),
    }
    if text:
        tree["initial_value"] = text[:TREE_TEXT_MAX]
    blocks: list[dict[str, Any]] = [
        section(
            f"*{escape(workflow_name)}*: one node per line, "
            "`level | name | unit | target | direction | parent`.\n"
            "Levels: `goal` (one primary goal), `driver`, `metric`, `input`; a node's parent "
            "is a node one level up. Direction: `higher` or `lower` is better. Delete a line to "
            "remove its node; empty the field to remove the tree."
        ),
        _text_input(KPI_TREE_BLOCK, "KPI tree", tree),
        context("For example:\n```" + EXAMPLE + "```"),
        section(
            "*Scorecard metrics and the node each one serves* (optional): the weekly thread "
            "says which outcome a bad week of the metric puts at risk."
        ),
    ]
    for metric, spec in SPECS.items():
        element: dict[str, Any] = {
            "max_length": 80,
            "placeholder": plain("A node's name, e.g. Tier-1 queries resolved", LIMITS.placeholder),
        }
        if metric in links:
            element["initial_value"] = links[metric]
        blocks.append(_text_input(kpi_link_block_id(metric), f"{spec.label} serves", element))
    return {
        "type": "modal",
        "callback_id": View.KPI,
        "title": plain("KPI tree", LIMITS.modal_title),
        "submit": plain("Save", LIMITS.modal_button),
        "close": plain("Cancel", LIMITS.modal_button),
        "blocks": blocks,
        "private_metadata": json.dumps({"workflow_id": workflow_id}),
    }
