"""Saving and reading a workflow's KPI tree and the scorecard metrics linked to its nodes."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance import review
from cadence.governance.reported import refresh_open_sessions
from cadence.kpi.tree import (
    TREE_TEXT_MAX,
    KpiDirection,
    KpiLevel,
    NodeSpec,
    format_tree,
    name_key,
    ordered,
)
from cadence.vocabulary import ScorecardMetric
from storage.clock import now
from storage.models import KpiLink, KpiNode, Workflow, pk


@dataclass
class TreeChange:
    """What a save changed, by node name."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    links: dict[str, str | None] = field(default_factory=dict)  # metric → node name or None

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.links)


def current_nodes(db: Session, *, workflow_id: int) -> list[KpiNode]:
    """The tree in force, depth first from the primary goal."""
    rows = db.exec(
        select(KpiNode)
        .where(KpiNode.workflow_id == workflow_id, col(KpiNode.removed_at).is_(None))
        .order_by(col(KpiNode.position))
    ).all()
    return list(rows)


def node_specs(nodes: list[KpiNode]) -> list[NodeSpec]:
    """The stored nodes as specs (each parent named), in the order given."""
    names = {pk(n): n.name for n in nodes}
    return [
        NodeSpec(
            KpiLevel(n.level),
            n.name,
            n.unit,
            n.target,
            KpiDirection(n.direction),
            names.get(n.parent_id) if n.parent_id is not None else None,
        )
        for n in nodes
    ]


def leaves(nodes: list[KpiNode]) -> list[KpiNode]:
    """The nodes nothing hangs under: the tree's leaf metrics, reported with the scorecard."""
    parents = {n.parent_id for n in nodes}
    return [n for n in nodes if pk(n) not in parents]


def current_links(db: Session, *, workflow_id: int) -> dict[ScorecardMetric, int]:
    """metric → node id, for the metrics linked to a node of the tree in force."""
    rows = db.exec(select(KpiLink).where(KpiLink.workflow_id == workflow_id)).all()
    return {ScorecardMetric(r.metric): r.node_id for r in rows}


def save_tree(
    db: Session,
    *,
    workflow: Workflow,
    specs: list[NodeSpec],
    links: dict[ScorecardMetric, str],
    actor_id: str,
    default_zone: str,
) -> TreeChange:
    """Make the workflow's tree what `specs` says (checked by tree.parse_tree) and link the
    metrics to the nodes named in `links` (name keys); audited. A node keeps its id, and its
    values, while its name stays; a removed node keeps its values for when it comes back."""
    authority.require_kpi_authority(db, workflow=workflow, user_id=actor_id)
    specs = ordered(specs)
    if len(format_tree(specs)) > TREE_TEXT_MAX:
        raise InvalidInput(
            f"The tree is longer than {TREE_TEXT_MAX} characters once written out; shorten "
            "some names.",
            field="tree",
        )
    review.lock_workflow(db, pk(workflow))  # two saves of one tree one after the other
    moment = now()
    every = {
        n.name_key: n
        for n in db.exec(select(KpiNode).where(KpiNode.workflow_id == workflow.id)).all()
    }
    change = TreeChange()
    kept = {spec.key: _place(db, workflow, every.get(spec.key), spec, i, actor_id, change)
            for i, spec in enumerate(specs)}  # fmt: skip
    db.flush()
    for spec in specs:
        node = kept[spec.key]
        parent_id = pk(kept[name_key(spec.parent)]) if spec.parent else None
        if node.parent_id != parent_id:
            if spec.name not in change.added + change.changed:
                change.changed.append(spec.name)
            node.parent_id = parent_id
            db.add(node)
    for key, node in every.items():
        if key not in kept and node.removed_at is None:
            node.removed_at, node.set_by, node.parent_id = moment, actor_id, None
            db.add(node)
            change.removed.append(node.name)
    change.links = _save_links(db, workflow, {m: kept[k] for m, k in links.items()}, actor_id)
    db.flush()
    if change:
        audit.record(db, team_id=workflow.team_id, actor=actor_id, action="kpi.tree_saved",
                     workflow_id=workflow.id, added=change.added, changed=change.changed,
                     removed=change.removed, links=change.links)  # fmt: skip
        refresh_open_sessions(db, workflow=workflow, default_zone=default_zone)
    return change


def _place(
    db: Session,
    workflow: Workflow,
    node: KpiNode | None,
    spec: NodeSpec,
    position: int,
    actor_id: str,
    change: TreeChange,
) -> KpiNode:
    """The node `spec` names, created, revived or updated in place (its parent comes later)."""
    moment = now()
    if node is None:
        node = KpiNode(workflow_id=pk(workflow), name_key=spec.key, set_by=actor_id,
                       level=spec.level, name=spec.name, target=spec.target,
                       direction=spec.direction, created_at=moment)  # fmt: skip
        change.added.append(spec.name)
    elif node.removed_at is not None or _differs(node, spec):
        (change.added if node.removed_at is not None else change.changed).append(spec.name)
        node.removed_at, node.updated_at, node.set_by = None, moment, actor_id
    node.level, node.name, node.unit = spec.level.value, spec.name, spec.unit
    node.target, node.direction, node.position = spec.target, spec.direction.value, position
    db.add(node)
    return node


def _differs(node: KpiNode, spec: NodeSpec) -> bool:
    return (node.level, node.name, node.unit, node.target, node.direction) != (
        spec.level.value,
        spec.name,
        spec.unit,
        spec.target,
        spec.direction.value,
    )


def _save_links(
    db: Session, workflow: Workflow, wanted: dict[ScorecardMetric, KpiNode], actor_id: str
) -> dict[str, str | None]:
    """Replace the links; metric → new node name (None: unlinked) for those that changed."""
    rows = {
        ScorecardMetric(r.metric): r
        for r in db.exec(select(KpiLink).where(KpiLink.workflow_id == workflow.id)).all()
    }
    changed: dict[str, str | None] = {}
    for metric in ScorecardMetric:
        row, node = rows.get(metric), wanted.get(metric)
        if node is None:
            if row is not None:
                db.delete(row)
                changed[metric.value] = None
            continue
        if row is not None and row.node_id == pk(node):
            continue
        if row is None:
            row = KpiLink(workflow_id=pk(workflow), metric=metric.value, node_id=pk(node),
                          set_by=actor_id)  # fmt: skip
        row.node_id, row.set_by = pk(node), actor_id
        db.add(row)
        changed[metric.value] = node.name
    return changed
