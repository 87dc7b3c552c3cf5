"""KPI tree rules, saving (ids and values kept by name), values per week and outcomes at risk."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from cadence.errors import InvalidInput, NotAuthorized
from cadence.governance.scorecard import MetricRow
from cadence.kpi import links, store, values
from cadence.kpi.tree import KpiDirection, KpiLevel, format_tree, parse_tree
from cadence.kpi.view import read_kpi_tree
from cadence.vocabulary import OwnerRole, ScorecardMetric
from storage.db import session_scope
from storage.models import KpiNode, KpiValue, Workflow
from tests.cadence.helpers import DANA, LI, MARIA, assign, make_workflow, seat
from tests.cadence.helpers import audit_actions as audited
from tests.cadence.kpi_data import DRIVER, GOAL, LATENCY, LEAVES, RAG, TIER1, TREE_12

WEEK = date(2026, 11, 23)


def audit_actions(engine) -> list[str]:
    with session_scope(engine) as db:
        return audited(db)


def problems(text: str) -> str:
    with pytest.raises(InvalidInput) as raised:
        parse_tree(text)
    assert raised.value.field == "tree"
    return raised.value.user_message


def test_a_tree_of_four_levels_parses_and_reads_back_the_same():
    specs = parse_tree(TREE_12)
    assert len(specs) == 12
    assert [s.level for s in specs[:4]] == [
        KpiLevel.GOAL,
        KpiLevel.DRIVER,
        KpiLevel.DRIVER,
        KpiLevel.METRIC,
    ]
    assert specs[7].name == LATENCY and specs[7].direction == KpiDirection.LOWER
    assert specs[7].target == 2 and specs[7].parent == TIER1
    assert parse_tree(format_tree(specs)) == specs
    long_words = parse_tree(
        "primary goal | NRR | % | 1,10.5 | higher is better\n"
        "# a comment\n\n"
        "strategic driver | Churn | % | 5 % | lower is better | nrr"
    )
    assert long_words[0].target == 110.5 and long_words[1].parent == "nrr"
    assert parse_tree("") == [] and parse_tree(None) == []


def test_each_rule_is_named_with_its_line():
    wrong_parent = problems(
        f"goal | {GOAL} | % | 110 | higher\n"
        f"driver | {DRIVER} | % | 5 | lower | {GOAL}\n"
        f"input | {RAG} | % | 92 | higher | {DRIVER}"
    )
    assert "Line 3: the parent of a technical input must be an operational metric" in wrong_parent
    assert "is a strategic driver" in wrong_parent
    bad_target = problems(f"goal | {GOAL} | % | lots | higher")
    assert "Line 1: the target “lots” is not a number." in bad_target
    direction = problems(f"goal | {GOAL} | % | 110 | sideways")
    assert "Line 1: unknown direction “sideways”" in direction
    assert "unknown level “summit”" in problems("summit | X | % | 1 | higher")
    assert "write level | name | unit" in problems("goal | only a name")
    assert "no node called “Nowhere”" in problems(
        f"goal | {GOAL} | % | 110 | higher\ndriver | D | % | 1 | lower | Nowhere"
    )
    assert "needs its parent" in problems(
        f"goal | {GOAL} | % | 110 | higher\ndriver | D | % | 1 | lower"
    )
    assert "one primary goal" in problems("goal | A | % | 1 | higher\ngoal | B | % | 1 | higher")
    assert "needs its primary goal" in problems("driver | D | % | 1 | lower | X")
    assert "already a node called" in problems(
        "goal | A | % | 1 | higher\ndriver | a | % | 1 | lower | A"
    )
    assert "at most 30 nodes" in problems(
        "goal | G | % | 1 | higher\n"
        + "\n".join(f"driver | D{i} | % | 1 | lower | G" for i in range(30))
    )


def staffed(engine) -> int:
    with session_scope(engine) as db:
        workflow = make_workflow(db)
        assign(db, workflow, OwnerRole.OUTCOME, MARIA)
        assign(db, workflow, OwnerRole.WORKFLOW, LI)
        seat(db, DANA)
        return workflow.id


def save(engine, workflow_id: int, text: str, *, actor: str = MARIA.id, **linked: str):
    with session_scope(engine) as db:
        workflow = db.get(Workflow, workflow_id)
        specs = parse_tree(text)
        typed = {ScorecardMetric(m): n for m, n in linked.items()}
        return store.save_tree(
            db,
            workflow=workflow,
            specs=specs,
            links=links.parse_links(typed, specs),
            actor_id=actor,
            default_zone="UTC",
        )


def node_ids(engine) -> dict[str, int]:
    with session_scope(engine) as db:
        rows = db.exec(select(KpiNode).where(KpiNode.removed_at == None)).all()  # noqa: E711
        return {n.name: n.id for n in rows}


def test_only_the_outcome_owner_edits_the_tree(engine):
    workflow_id = staffed(engine)
    for someone in (LI, DANA):  # the workflow owner and a council member are refused too
        with pytest.raises(NotAuthorized, match="edited by its outcome owner"):
            save(engine, workflow_id, TREE_12, actor=someone.id)
    assert node_ids(engine) == {}
    change = save(engine, workflow_id, TREE_12, exception_rate=TIER1)
    assert len(change.added) == 12 and change.links == {"exception_rate": TIER1}
    assert audit_actions(engine).count("kpi.tree_saved") == 1


def test_a_node_keeps_its_id_and_values_while_its_name_stays(engine):
    workflow_id = staffed(engine)
    save(engine, workflow_id, TREE_12)
    first = node_ids(engine)
    report(engine, workflow_id, WEEK, {first[RAG]: 93.0})
    edited = TREE_12.replace(f"input | {RAG} | % | 92", f"input | {RAG} | % | 95")
    edited = "\n".join(line for line in edited.splitlines() if "Data freshness" not in line)
    change = save(engine, workflow_id, edited)
    assert change.changed == [RAG] and change.removed == ["Data freshness"] and not change.added
    assert node_ids(engine)[RAG] == first[RAG] and "Data freshness" not in node_ids(engine)
    revived = save(engine, workflow_id, TREE_12)
    assert revived.added == ["Data freshness"] and node_ids(engine) == first
    stricter = TREE_12.replace(f"input | {RAG} | % | 92", f"input | {RAG} | % | 95")
    assert save(engine, workflow_id, stricter).changed == [RAG]
    assert not save(engine, workflow_id, stricter)  # nothing changed, nothing audited
    assert audit_actions(engine).count("kpi.tree_saved") == 4
    with session_scope(engine) as db:
        tree = read_kpi_tree(db, workflow_id=workflow_id, week_start=WEEK)
    assert tree is not None and [n.name for n in tree.leaves] == LEAVES
    rag = next(n for n in tree.nodes if n.name == RAG)
    assert rag.value == 93.0 and rag.met is False and rag.depth == 3  # target is now 95


def report(engine, workflow_id: int, week: date, by_node: dict[int, float | None], actor=LI):
    with session_scope(engine) as db:
        return values.report_kpi_values(
            db,
            workflow=db.get(Workflow, workflow_id),
            week_start=week,
            values=by_node,
            actor_id=actor.id,
            default_zone="UTC",
        )


def test_values_are_stored_per_week_cleared_when_empty_and_shown_as_a_trend(engine):
    workflow_id = staffed(engine)
    save(engine, workflow_id, TREE_12)
    ids = node_ids(engine)
    last_week = date(2026, 11, 16)
    assert report(engine, workflow_id, last_week, {ids[LATENCY]: 2.6, ids[RAG]: 90}) == [
        ids[LATENCY],
        ids[RAG],
    ]
    assert report(engine, workflow_id, WEEK, {ids[LATENCY]: 1.8, ids[RAG]: None}) == [ids[LATENCY]]
    assert report(engine, workflow_id, WEEK, {ids[LATENCY]: 1.8}) == []  # the same again
    with session_scope(engine) as db:
        workflow = db.get(Workflow, workflow_id)
        by_name = values.values_by_name(
            db, workflow=workflow, values={"p95 RESPONSE latency": 3, "Nope": 1, RAG: "lots"}
        )
        assert by_name == (
            {ids[LATENCY]: 3},
            {
                "Nope": "The KPI tree of Support resolution has no node called “Nope”.",
                RAG: f"{RAG} must be a number.",
            },
        )
        assert values.week_values(db, workflow=workflow, week_start=WEEK) == {LATENCY: 1.8}
        tree = read_kpi_tree(db, workflow_id=workflow_id, week_start=WEEK)
        stored = db.exec(select(KpiValue)).all()
    assert {(v.node_id, v.week_start, v.value) for v in stored} == {
        (ids[LATENCY], last_week, 2.6),
        (ids[RAG], last_week, 90),
        (ids[LATENCY], WEEK, 1.8),
    }
    latency = next(n for n in tree.nodes if n.name == LATENCY)
    assert latency.values[-2:] == [2.6, 1.8] and latency.met is True
    assert latency.sparkline() == "      █▁"
    rag = next(n for n in tree.nodes if n.name == RAG)
    assert rag.value == 90 and rag.weeks_old == 1 and rag.met is False
    below = {n.name: n.below for n in tree.nodes if not n.leaf}
    assert below[TIER1] == (1, 1, 0) and below[DRIVER] == (1, 1, 2) and below[GOAL] == (1, 1, 4)
    assert audit_actions(engine).count("kpi.reported") == 2


def test_values_come_from_those_who_report_the_scorecard_for_nodes_of_the_tree(engine):
    workflow_id = staffed(engine)
    save(engine, workflow_id, TREE_12)
    ids = node_ids(engine)
    with pytest.raises(NotAuthorized):
        report(engine, workflow_id, WEEK, {ids[RAG]: 91}, actor=type(LI)(id="UNOBODY"))
    with pytest.raises(InvalidInput, match="changed since this form was opened"):
        report(engine, workflow_id, WEEK, {999_999: 1})
    with session_scope(engine) as db:
        assert db.exec(select(KpiValue)).all() == []
        node = db.get(KpiNode, ids[RAG])
        assert values.parse_kpi_value(node, " 1,240 ") == 1240
        assert values.parse_kpi_value(node, "") is None
        with pytest.raises(InvalidInput, match="must be a number") as raised:
            values.parse_kpi_value(node, "high")
        assert raised.value.field == f"kpi:{ids[RAG]}"


def test_a_bad_week_of_a_linked_metric_names_the_node_and_the_goal_it_puts_at_risk(engine):
    workflow_id = staffed(engine)
    save(engine, workflow_id, TREE_12, exception_rate=TIER1, throughput=GOAL, quality=DRIVER)
    rows = [
        MetricRow(ScorecardMetric.EXCEPTION_RATE, "Exception rate", "%", 7.2, 4.0),
        MetricRow(ScorecardMetric.THROUGHPUT, "Throughput", "items/week", 1100, 1000),  # better
        MetricRow(ScorecardMetric.QUALITY, "Quality trend", "%", 90, 95),
        MetricRow(ScorecardMetric.REWORK_VOLUME, "Rework volume", "items", 9, 3),  # not linked
    ]
    with session_scope(engine) as db:
        tree = read_kpi_tree(db, workflow_id=workflow_id, week_start=WEEK, scorecard=rows)
    assert tree is not None
    assert [(r.metric, r.verb, r.path) for r in tree.at_risk] == [
        (ScorecardMetric.EXCEPTION_RATE, "rose", [TIER1, DRIVER, GOAL]),
        (ScorecardMetric.QUALITY, "fell", [DRIVER, GOAL]),
    ]
    tier1 = next(n for n in tree.nodes if n.name == TIER1)
    assert tier1.linked == [ScorecardMetric.EXCEPTION_RATE]
    with pytest.raises(InvalidInput, match="No node called “Nowhere”") as raised:
        links.parse_links({ScorecardMetric.QUALITY: "Nowhere"}, parse_tree(TREE_12))
    assert raised.value.field == "link:quality"
