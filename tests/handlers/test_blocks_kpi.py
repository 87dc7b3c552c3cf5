"""The KPI tree as data: collapsed with Show all when long, inside Block Kit's limits on every
surface it shows on (thread, map, workflow show, Show all, its modal, the scorecard modal)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from cadence.accountability.escalation_map import EscalationMap
from cadence.accountability.queries import Owners
from cadence.kpi.links import AtRisk
from cadence.kpi.tree import parse_tree
from cadence.kpi.view import KpiTreeView, NodeView
from cadence.vocabulary import ScorecardMetric
from handlers.blocks.escalation_map import build_escalation_map, map_text
from handlers.blocks.governance import build_parent, parent_text
from handlers.blocks.governance_modals import build_scorecard_modal
from handlers.blocks.kit import fallback_text
from handlers.blocks.kpi import build_kpi_blocks, build_kpi_message, build_kpi_modal, node_line
from handlers.blocks.workflows import build_workflow_detail
from slackfake.forms import all_text, buttons
from tests.blockkit import assert_within_limits
from tests.cadence.kpi_data import GOAL, TIER1, TREE_12
from tests.handlers.test_blocks_governance import WEEK, view, workflow
from tests.handlers.test_blocks_map import hostile_map  # noqa: F401  (a fixture)

WEEKS = [WEEK - timedelta(weeks=7 - i) for i in range(8)]
HOSTILE = "<@U1>&*" + "n" * 73  # 80 characters, each of <, > and & longer once escaped


def tree_of(specs, values=None, *, linked=(), at_risk=()) -> KpiTreeView:
    parents = {s.parent.casefold() for s in specs if s.parent}
    nodes = [
        NodeView(
            node_id=i + 1,
            level=s.level,
            name=s.name,
            unit=s.unit,
            target=s.target,
            direction=s.direction,
            values=list(values or [None] * 8),
            linked=list(linked),
            leaf=s.name.casefold() not in parents,
        )
        for i, s in enumerate(specs)
    ]
    return KpiTreeView(7, WEEK, WEEKS, nodes, list(at_risk))


def twelve(values=None, **extra) -> KpiTreeView:
    return tree_of(parse_tree(TREE_12), values, **extra)


def widest() -> KpiTreeView:
    """30 nodes of 80-character hostile names and 24-character units, 8 weeks of huge values,
    every node linked to every metric, every metric's week bad."""
    lines = [f"goal | {HOSTILE[:-2]}G0 | {'u' * 24} | 1e12 | higher"]
    lines.append(f"driver | {HOSTILE[:-2]}D0 | {'u' * 24} | -1e12 | lower | {HOSTILE[:-2]}G0")
    lines.append(f"metric | {HOSTILE[:-2]}M0 | {'u' * 24} | 1 | lower | {HOSTILE[:-2]}D0")
    lines += [
        f"input | {HOSTILE[:-3]}{i:03} | {'u' * 24} | 1.5 | higher | {HOSTILE[:-2]}M0"
        for i in range(27)
    ]
    specs = parse_tree("\n".join(lines))
    path = [s.name for s in specs[:3]][::-1]
    risks = [AtRisk(m, "rose", 1e12, 1e12 - 1, path) for m in ScorecardMetric]
    values = [1e12 - i if i % 3 else None for i in range(8)]
    return tree_of(specs, values, linked=list(ScorecardMetric), at_risk=risks)


def test_a_long_tree_collapses_to_its_top_two_levels_with_show_all():
    tree = twelve()
    blocks = build_kpi_blocks(tree)
    shown = all_text(blocks)
    assert f"*{GOAL}*" in shown and "Reduce churn through automated support" in shown
    assert TIER1 not in shown and "RAG retrieval accuracy" not in shown
    assert "Showing the top two levels: 3 of 12 nodes." in shown
    [show_all] = buttons(blocks)
    assert show_all["text"] == "Show all 12 nodes"
    assert show_all["action_id"] == "kpi-show-all" and show_all["value"] == "7:2026-11-23"
    full = all_text(build_kpi_message("Support resolution", tree))
    assert TIER1 in full and "Data freshness" in full and not buttons(build_kpi_message("S", tree))
    short = tree_of(parse_tree(TREE_12)[:8])
    assert not buttons(build_kpi_blocks(short)) and TIER1 in all_text(build_kpi_blocks(short))


def test_a_node_line_is_indented_by_level_with_value_target_mark_and_trend():
    tree = twelve([None, None, None, None, None, 80, None, 87])
    lines = {n.name: node_line(n) for n in tree.nodes}
    assert lines[GOAL] == f"✗ *{GOAL}*: 87% · target ≥ 110% · `     ▁ █`"
    assert lines[TIER1].startswith("\u2003" * 4 + "✓ *Tier-1 queries resolved*: 87% · target ≥ 85%")
    latency = lines["p95 response latency"]
    assert latency.startswith("\u2003" * 6 + "✗ *p95 response latency*: 87 s · target ≤ 2 s")
    empty = node_line(twelve().nodes[0])
    assert empty == f"· *{GOAL}*: _no value yet_ · target ≥ 110%"
    old = tree_of(parse_tree(TREE_12)[:1], [None] * 6 + [111, None])
    assert node_line(old.nodes[0]) == f"✓ *{GOAL}*: 111% _(1 wk ago)_ · target ≥ 110%"


def test_the_thread_says_which_outcome_a_bad_week_puts_at_risk():
    risk = AtRisk(ScorecardMetric.EXCEPTION_RATE, "rose", 4, 7.2, [TIER1, "Driver", GOAL])
    thread = replace(view(), kpi=twelve(at_risk=[risk]))
    shown = all_text(build_parent(thread))
    assert (
        f"• Exception rate rose (4% → 7.2%) → puts *{TIER1}* at risk, and with it *{GOAL}*" in shown
    )
    assert shown.index("*Scorecard*") < shown.index("*KPI tree*") < shown.index("*Vote:*")


def test_the_widest_tree_fits_the_thread_show_all_and_workflow_show():
    tree = widest()
    for thread in (replace(view(), kpi=tree), replace(view(decided=True), kpi=tree)):
        blocks = build_parent(thread)
        assert_within_limits(blocks, "message", text=parent_text(thread))
        assert "Show all 30 nodes" in [b["text"] for b in buttons(blocks)]
    message = build_kpi_message("N" * 80, tree)
    assert_within_limits(message, "message")
    assert all_text(message).count("&lt;@U1&gt;&amp;") >= 30 and "<@U1>" not in all_text(message)
    detail = build_workflow_detail(
        workflow(),
        Owners("UMARIA", "ULI"),
        ["• " + "h" * 200] * 40,
        triggers="t" * 3000,
        kpi=build_kpi_blocks(tree),
    )
    assert_within_limits(detail, "message")
    assert_within_limits(build_kpi_blocks(twelve()), "message")


def test_the_widest_tree_fits_the_largest_map(hostile_map: EscalationMap):  # noqa: F811
    blocks = build_escalation_map(
        hostile_map, notes=("g" * 3000, "t" * 3000), kpi=build_kpi_blocks(widest())
    )
    assert_within_limits(blocks, "message", text=fallback_text(map_text(hostile_map)))
    assert "Show all 30 nodes" in [b["text"] for b in buttons(blocks)]


def test_the_kpi_modal_and_the_scorecard_modal_fit_the_widest_tree():
    tree = widest()
    text = "x" * 3000
    links = {m: HOSTILE for m in ScorecardMetric}
    modal = build_kpi_modal(workflow_id=7, workflow_name="N" * 80, text=text, links=links)
    assert_within_limits(modal, "modal")
    inputs = {
        b["block_id"]: b["element"].get("initial_value")
        for b in modal["blocks"]
        if b["type"] == "input"
    }
    assert inputs["kpi-tree"] == text and inputs["kpi-link-exception_rate"] == HOSTILE
    scorecard = build_scorecard_modal(
        workflow=workflow(), week_start=WEEK, current={}, latency=None, trends=[], kpi=tree
    )
    assert_within_limits(scorecard, "modal")
    leaves = [b for b in scorecard["blocks"] if b.get("block_id", "").startswith("kpi-value-")]
    assert len(leaves) == 27 and all(b["optional"] for b in leaves)
    assert leaves[0]["element"]["initial_value"] == "999999999993"
    assert leaves[0]["hint"]["text"].startswith("Target ≥ 1.5 " + "u" * 24 + " · last 8 weeks: ")
