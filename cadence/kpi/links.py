"""Scorecard metrics linked to KPI tree nodes, and the business outcome a bad week puts at risk."""

from __future__ import annotations

from dataclasses import dataclass

from cadence.errors import InvalidInput
from cadence.governance.scorecard import MetricRow
from cadence.governance.triggers import SPECS
from cadence.kpi.tree import KpiDirection, NodeSpec, name_key
from cadence.vocabulary import ScorecardMetric

# Which way is better for each scorecard metric: a move the other way is a bad week.
SCORECARD_BETTER: dict[ScorecardMetric, KpiDirection] = {
    ScorecardMetric.THROUGHPUT: KpiDirection.HIGHER,
    ScorecardMetric.QUALITY: KpiDirection.HIGHER,
    ScorecardMetric.EXCEPTION_RATE: KpiDirection.LOWER,
    ScorecardMetric.REWORK_VOLUME: KpiDirection.LOWER,
    ScorecardMetric.DECISION_LATENCY: KpiDirection.LOWER,
}
FLAT = 1e-9


def link_field(metric: ScorecardMetric) -> str:
    """The error field of one metric's link in the KPI form."""
    return f"link:{metric.value}"


def parse_links(
    texts: dict[ScorecardMetric, str | None], specs: list[NodeSpec]
) -> dict[ScorecardMetric, str]:
    """metric → the name key of the node it serves, from the names typed per metric (empty:
    not linked). InvalidInput names the first metric whose node is not in `specs`; use
    `link_problems` to get every one at once."""
    problems = link_problems(texts, specs)
    if problems:
        metric, message = next(iter(problems.items()))
        raise InvalidInput(message, field=link_field(metric))
    return {m: name_key(t) for m, t in texts.items() if t and t.strip()}


def link_problems(
    texts: dict[ScorecardMetric, str | None], specs: list[NodeSpec]
) -> dict[ScorecardMetric, str]:
    """Per metric, why its typed node name does not name a node of the tree."""
    keys = {s.key for s in specs}
    return {
        metric: f"No node called “{text.strip()}” in the tree: type a node's name exactly, "
        "or leave it empty."
        for metric, text in texts.items()
        if text and text.strip() and name_key(text) not in keys
    }


@dataclass(frozen=True)
class AtRisk:
    """A scorecard metric's bad week and the node (with its ancestors up to the primary goal)
    it puts at risk."""

    metric: ScorecardMetric
    verb: str  # 'rose', 'fell'
    before: float
    after: float
    path: list[str]  # the linked node's name first, the primary goal's last

    @property
    def label(self) -> str:
        """The metric's name: 'Exception rate'."""
        return SPECS[self.metric].label


def bad_week(row: MetricRow) -> str | None:
    """'rose' or 'fell' when the metric moved the wrong way since last week, else None."""
    if row.value is None or row.previous is None or abs(row.value - row.previous) < FLAT:
        return None
    rose = row.value > row.previous
    worse = rose if SCORECARD_BETTER[row.metric] == KpiDirection.LOWER else not rose
    if not worse:
        return None
    return "rose" if rose else "fell"


def outcomes_at_risk(
    rows: list[MetricRow], links: dict[ScorecardMetric, list[str]]
) -> list[AtRisk]:
    """The linked metrics whose week was bad, each with the path of nodes it puts at risk;
    `links` gives each linked metric's node path (node first, primary goal last)."""
    found = []
    for row in rows:
        path = links.get(row.metric)
        verb = bad_week(row)
        if path and verb is not None and row.value is not None and row.previous is not None:
            found.append(AtRisk(row.metric, verb, row.previous, row.value, path))
    return found
