"""KPI values, reported per workflow per week like the scorecard.

`report_kpi_values` is the one way a value gets in: the scorecard modal calls it, and so does
anything else that reports values (the integration API).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from cadence import audit
from cadence.accountability import authority
from cadence.errors import InvalidInput
from cadence.governance import reported, review
from cadence.kpi.store import current_nodes
from cadence.kpi.tree import name_key, parse_number
from storage.models import KpiNode, KpiValue, Workflow, pk


def value_field(node_id: int) -> str:
    """The error field of one node's value in a form."""
    return f"kpi:{node_id}"


def parse_kpi_value(node: KpiNode, text: str | None) -> float | None:
    """A typed value ('85', '1,240', '12.5 %'), None when left empty; InvalidInput when it is
    not a number."""
    if not (text or "").strip():
        return None
    value = parse_number(text or "")
    if value is None:
        raise InvalidInput(f"{node.name} must be a number.", field=value_field(pk(node)))
    return value


def values_by_name(
    db: Session, *, workflow: Workflow, values: dict[str, float | str | None]
) -> tuple[dict[int, float | None], dict[str, str]]:
    """Values keyed by node name (any case), checked as the scorecard form checks them: the
    values keyed by node id, and for each name refused why (no such node, not a number)."""
    known = {n.name_key: n for n in current_nodes(db, workflow_id=pk(workflow))}
    by_id: dict[int, float | None] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        node = known.get(name_key(name))
        if node is None:
            problems[name] = f"The KPI tree of {workflow.name} has no node called “{name}”."
            continue
        try:
            by_id[pk(node)] = None if value is None else parse_kpi_value(node, str(value))
        except InvalidInput as error:
            problems[name] = error.user_message
    return by_id, problems


def week_values(db: Session, *, workflow: Workflow, week_start: date) -> dict[str, float]:
    """The values of the tree's nodes for one week, by node name."""
    names = {pk(n): n.name for n in current_nodes(db, workflow_id=pk(workflow))}
    rows = db.exec(
        select(KpiValue).where(
            KpiValue.workflow_id == workflow.id, KpiValue.week_start == week_start
        )
    ).all()
    return {names[r.node_id]: r.value for r in rows if r.node_id in names}


def report_kpi_values(
    db: Session,
    *,
    workflow: Workflow,
    week_start: date,
    values: dict[int, float | None],
    actor_id: str,
    default_zone: str,
) -> list[int]:
    """Store each node's value for the week (None clears it); the node ids that changed.

    Reported by those who report the scorecard; only nodes of the tree in force. Audited,
    and the week's open governance threads are redrawn.
    """
    authority.require_scorecard_authority(db, workflow=workflow, user_id=actor_id)
    # Reports of one workflow one after the other, as the scorecard's: two at once would both
    # insert the same node's week, and one would be refused by the schema.
    review.lock_workflow(db, pk(workflow))
    nodes = {pk(n): n for n in current_nodes(db, workflow_id=pk(workflow))}
    unknown = [node_id for node_id in values if node_id not in nodes]
    if unknown:
        raise InvalidInput(
            "The KPI tree changed since this form was opened; nothing was saved. "
            "Close it and open it again.",
            field=value_field(unknown[0]),
        )
    stored = {
        v.node_id: v
        for v in db.exec(
            select(KpiValue).where(
                KpiValue.workflow_id == workflow.id, KpiValue.week_start == week_start
            )
        ).all()
    }

    def new_row(node_id: int, value: float, moment: datetime) -> KpiValue:
        return KpiValue(workflow_id=pk(workflow), node_id=node_id, week_start=week_start,
                        value=value, recorded_by=actor_id, created_at=moment)  # fmt: skip

    changed = reported.store_week_values(
        db, stored=stored, values=values, new_row=new_row, actor_id=actor_id
    )
    if changed:
        audit.record(
            db,
            team_id=workflow.team_id,
            actor=actor_id,
            action="kpi.reported",
            workflow_id=workflow.id,
            week_start=week_start.isoformat(),
            values={nodes[i].name: values[i] for i in changed},
        )
        reported.refresh_open_sessions(
            db, workflow=workflow, default_zone=default_zone, week_start=week_start
        )
    return changed
