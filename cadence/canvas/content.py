"""What a workflow's canvas shows, read from the database in one place: the escalation map
(the same data `/cadence map` shows), the council's confirmation of its decision rights, its
guardrails and triggers, the KPI tree, and the decision log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from cadence.accountability import confirmations, escalation_map
from cadence.accountability.confirmations import Standing
from cadence.accountability.escalation_map import EscalationMap
from cadence.governance import queries as governance_queries
from cadence.governance import risk_review, risk_tiers, triggers
from cadence.governance.queries import LogEntry
from cadence.governance.triggers import Rule
from cadence.kpi.view import KpiTreeView, current_tree
from cadence.vocabulary import RiskTier
from storage.clock import now
from storage.models import RiskTierRequest, Workflow, pk

# The canvas keeps more of the log than the /cadence decisions message has room for.
LOG_SHOWN = 25


@dataclass
class MapExtras:
    """What the map shows beside owners and rights: the tier's guardrails and the triggers."""

    tier: RiskTier
    guardrails: str
    pending: RiskTierRequest | None
    rules: list[Rule]
    breached: set[str]


@dataclass
class CanvasContent:
    """Everything one workflow's canvas shows."""

    workflow: Workflow
    map: EscalationMap
    extras: MapExtras
    log: list[LogEntry]
    timezone: str
    updated_at: datetime
    confirmation: Standing | None = None
    kpi: KpiTreeView | None = None


def map_extras(db: Session, *, workflow: Workflow) -> MapExtras:
    """The tier with its guardrails (and any change waiting for the council), the triggers."""
    tier = RiskTier(workflow.risk_tier)
    return MapExtras(
        tier=tier,
        guardrails=risk_tiers.GUARDRAILS[tier],
        pending=risk_tiers.pending_request(db, workflow_id=pk(workflow)),
        rules=triggers.current_rules(db, workflow_id=pk(workflow)),
        breached=set(risk_review.open_breaches(db, pk(workflow))),
    )


def gather(db: Session, *, workflow: Workflow, timezone: str) -> CanvasContent:
    """The canvas's content as the database holds it now.

    Whether someone has left the workspace needs Slack; the canvas is rendered by the outbox,
    which does not ask, so those gaps show on `/cadence map` only.
    """
    return CanvasContent(
        workflow=workflow,
        map=escalation_map.build_map(db, workflow=workflow, people={}),
        extras=map_extras(db, workflow=workflow),
        log=governance_queries.decision_log(db, workflow_id=pk(workflow), limit=LOG_SHOWN),
        timezone=timezone,
        updated_at=now(),
        confirmation=confirmations.standing(db, workflow_id=pk(workflow)),
        # `timezone` is the workspace's zone already resolved: the scorecard's week in it.
        kpi=current_tree(db, workflow=workflow, default_zone=timezone),
    )
