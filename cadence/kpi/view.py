"""A KPI tree as it is shown: each node's depth, current value, target, ✓/✗ and trend."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlmodel import Session, col, select

from cadence.governance.scorecard import MetricRow, scorecard_week
from cadence.governance.settings import load_schedule
from cadence.governance.trends import WEEKS_SHOWN, sparkline
from cadence.kpi import store
from cadence.kpi.links import AtRisk, outcomes_at_risk
from cadence.kpi.tree import KpiDirection, KpiLevel
from cadence.vocabulary import ScorecardMetric
from storage.models import KpiNode, KpiValue, Workflow, pk

SHOWN_MAX = 8  # a longer tree collapses to its top two levels, with "Show all"
COLLAPSED_DEPTH = 1  # the primary goal (0) and the strategic drivers (1)


@dataclass(frozen=True)
class NodeView:
    """One node with its values over the weeks shown (oldest first)."""

    node_id: int
    level: KpiLevel
    name: str
    unit: str
    target: float
    direction: KpiDirection
    values: list[float | None]
    linked: list[ScorecardMetric] = field(default_factory=list)
    leaf: bool = False
    # The leaves under a node (none for a leaf): how many reach their target, miss it, or
    # have no value, so a level reported through its leaves still shows where it stands.
    below: tuple[int, int, int] = (0, 0, 0)

    @property
    def depth(self) -> int:
        """0 for the primary goal, 3 for a technical input."""
        return self.level.depth

    @property
    def value(self) -> float | None:
        """The latest value of the weeks shown (None: none reported in them)."""
        known = [v for v in self.values if v is not None]
        return known[-1] if known else None

    @property
    def weeks_old(self) -> int:
        """How many weeks before the week shown the current value was reported (0: that week)."""
        for age, value in enumerate(reversed(self.values)):
            if value is not None:
                return age
        return 0

    @property
    def met(self) -> bool | None:
        """Whether the current value reaches the target (None: no value)."""
        value = self.value
        return None if value is None else self.direction.met(value, self.target)

    def sparkline(self) -> str:
        """The node's trend, like the scorecard's: a bar per week, a gap for a week without."""
        return sparkline(self.values)


@dataclass(frozen=True)
class KpiTreeView:
    """The tree of one workflow as of one week."""

    workflow_id: int
    week_start: date
    weeks: list[date]
    nodes: list[NodeView]
    at_risk: list[AtRisk] = field(default_factory=list)

    @property
    def collapsed(self) -> bool:
        """Whether the tree is long enough to show its top two levels only."""
        return len(self.nodes) > SHOWN_MAX

    @property
    def leaves(self) -> list[NodeView]:
        """The leaf metrics, reported with the scorecard."""
        return [n for n in self.nodes if n.leaf]

    def shown(self, *, full: bool = False) -> list[NodeView]:
        """The nodes to show: all of them, or the top two levels of a long tree."""
        if full or not self.collapsed:
            return self.nodes
        return [n for n in self.nodes if n.depth <= COLLAPSED_DEPTH]


def read_kpi_tree(
    db: Session,
    *,
    workflow_id: int,
    week_start: date,
    scorecard: list[MetricRow] | None = None,
    weeks: int = WEEKS_SHOWN,
) -> KpiTreeView | None:
    """The tree in force with its values of the `weeks` weeks up to `week_start`; with that
    week's `scorecard`, the outcomes its bad weeks put at risk. None when there is no tree."""
    nodes = store.current_nodes(db, workflow_id=workflow_id)
    if not nodes:
        return None
    span = [week_start - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    rows = db.exec(
        select(KpiValue).where(
            KpiValue.workflow_id == workflow_id,
            col(KpiValue.week_start) >= span[0],
            col(KpiValue.week_start) <= span[-1],
        )
    ).all()
    reported = {(r.node_id, r.week_start): r.value for r in rows}
    links = store.current_links(db, workflow_id=workflow_id)
    leaves = {pk(n) for n in store.leaves(nodes)}
    shown = [
        NodeView(
            node_id=pk(n),
            level=KpiLevel(n.level),
            name=n.name,
            unit=n.unit,
            target=n.target,
            direction=KpiDirection(n.direction),
            values=[reported.get((pk(n), w)) for w in span],
            linked=[m for m, node_id in links.items() if node_id == pk(n)],
            leaf=pk(n) in leaves,
        )
        for n in nodes
    ]
    shown = _below(nodes, shown)
    paths = _paths(nodes, links)
    at_risk = outcomes_at_risk(scorecard or [], paths)
    return KpiTreeView(workflow_id, week_start, span, shown, at_risk)


def _below(nodes: list[KpiNode], shown: list[NodeView]) -> list[NodeView]:
    """Each node with (leaves under it on target, off target, without a value) counted from
    the leaves' current values, as their own lines show them."""
    parent_of = {pk(n): n.parent_id for n in nodes}
    counts: dict[int, list[int]] = {}
    for leaf in (v for v in shown if v.leaf):
        slot = {True: 0, False: 1, None: 2}[leaf.met]
        parent = parent_of.get(leaf.node_id)
        while parent is not None:
            counts.setdefault(parent, [0, 0, 0])[slot] += 1
            parent = parent_of.get(parent)
    return [
        replace(v, below=(c[0], c[1], c[2])) if (c := counts.get(v.node_id)) else v for v in shown
    ]


def _paths(
    nodes: list[KpiNode], links: dict[ScorecardMetric, int]
) -> dict[ScorecardMetric, list[str]]:
    """metric → the names from its linked node up to the primary goal."""
    by_id = {pk(n): n for n in nodes}
    paths: dict[ScorecardMetric, list[str]] = {}
    for metric, node_id in links.items():
        path, node = [], by_id.get(node_id)
        while node is not None and len(path) < len(KpiLevel):
            path.append(node.name)
            node = by_id.get(node.parent_id) if node.parent_id is not None else None
        if path:
            paths[metric] = path
    return paths


def current_tree(db: Session, *, workflow: Workflow, default_zone: str) -> KpiTreeView | None:
    """The tree as of the week the scorecard reports now (the map, `/cadence workflow show`)."""
    schedule = load_schedule(db, team_id=workflow.team_id, default_zone=default_zone)
    week = scorecard_week(db, workflow=workflow, schedule=schedule)
    return read_kpi_tree(db, workflow_id=pk(workflow), week_start=week)
