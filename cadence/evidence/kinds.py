"""What each export kind is: its rows (one SQL query, paged by key) and its columns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    ActionItem,
    AuditEvent,
    Decision,
    Escalation,
    EscalationEvent,
    GovernanceSession,
    ScorecardEntry,
    Vote,
    Workflow,
)

LOCAL = "_local"  # a column named `<time column>_local` shows that time in the workspace zone


def _c(model: Any) -> Any:
    return model.__table__.c


D, E, A, S = _c(Decision), _c(Escalation), _c(ActionItem), _c(ScorecardEntry)
V, G, EV, AU, W = _c(Vote), _c(GovernanceSession), _c(EscalationEvent), _c(AuditEvent), _c(Workflow)


@dataclass(frozen=True)
class Secret:
    """Need to know in an export: when `flag` is true, `withheld` columns read WITHHELD except
    for the people named in `people` (and for readers who see everything)."""

    flag: ColumnElement[Any]
    people: tuple[ColumnElement[Any], ...]
    withheld: tuple[str, ...]


@dataclass(frozen=True)
class Kind:
    """One export kind: rows of `key`'s table, newest last, filtered on `time`."""

    name: str
    description: str
    key: ColumnElement[Any]  # the primary key rows are paged by (keyset pagination)
    time: str  # the column --since/--until apply to; shown in UTC and, beside it, local time
    team: ColumnElement[Any]
    workflow: ColumnElement[Any]
    columns: dict[str, ColumnElement[Any]]
    base: Callable[[list[Any]], Select[Any]]  # the SELECT of these columns with its joins
    # Columns withheld from a reader outside a confidential escalation's need to know.
    secret: Secret | None = None

    @property
    def column_names(self) -> list[str]:
        """Every column in export order, the local-time column right after its UTC one."""
        names: list[str] = []
        for name in self.columns:
            names.append(name)
            if name == self.time:
                names.append(name + LOCAL)
        return names


def _decisions(columns: list[Any]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Decision)
        .join(GovernanceSession, G.id == D.session_id)
        .join(Workflow, W.id == G.workflow_id)
    )


def _escalations(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(Escalation).join(Workflow, W.id == E.workflow_id)


def _actions(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(ActionItem).join(Workflow, W.id == A.workflow_id)


def _scorecards(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(ScorecardEntry).join(Workflow, W.id == S.workflow_id)


def _votes(columns: list[Any]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Vote)
        .join(GovernanceSession, G.id == V.session_id)
        .join(Workflow, W.id == G.workflow_id)
    )


def _gaps(columns: list[Any]) -> Select[Any]:
    return (
        select(*columns)
        .select_from(EscalationEvent)
        .join(Escalation, E.id == EV.escalation_id)
        .join(Workflow, W.id == E.workflow_id)
        .where(EV.authorized == false())
    )


def _audit(columns: list[Any]) -> Select[Any]:
    return select(*columns).select_from(AuditEvent).outerjoin(Workflow, W.id == AU.workflow_id)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "decisions",
            "weekly governance decisions, with rationale and latency",
            D.id,
            "decided_at",
            G.team_id,
            G.workflow_id,
            {
                "decision_id": D.id,
                "decided_at": D.created_at,
                "workflow": W.name,
                "week_of": G.week_start,
                "choice": D.choice,
                "rationale": D.rationale,
                "recorded_by": D.recorded_by,
                "latency_seconds": D.latency_seconds,
                "re_review_on": D.re_review_on,
                "session_id": G.id,
            },
            _decisions,
        ),
        Kind(
            "escalations",
            "escalations raised, routed, acknowledged and resolved",
            E.id,
            "raised_at",
            E.team_id,
            E.workflow_id,
            {
                "escalation_id": E.id,
                "raised_at": E.created_at,
                "workflow": W.name,
                "decision_point": E.decision_point,
                "council_matter": E.council_matter,
                "severity": E.severity,
                "summary": E.summary,
                "details": E.details,
                "link": E.link,
                "status": E.status,
                "raised_by": E.raised_by,
                "routed_to": E.routed_to,
                "tier": E.tier,
                "needs_council": E.needs_council,
                "acknowledged_at": E.acknowledged_at,
                "acknowledged_by": E.acknowledged_by,
                "ack_seconds": E.ack_latency_seconds,
                "resolved_at": E.resolved_at,
                "resolved_by": E.resolved_by,
                "resolve_seconds": E.resolve_latency_seconds,
                "resolution": E.resolution,
            },
            _escalations,
            Secret(
                E.confidential,
                (E.raised_by, E.routed_to),
                ("summary", "details", "link", "resolution"),
            ),
        ),
        Kind(
            "actions",
            "follow-up actions, their owners, due dates and completion",
            A.id,
            "created_at",
            W.team_id,
            A.workflow_id,
            {
                "action_id": A.id,
                "created_at": A.created_at,
                "workflow": W.name,
                "decision_id": A.decision_id,
                "description": A.description,
                "owner": A.owner_id,
                "due_on": A.due_on,
                "status": A.status,
                "created_by": A.created_by,
                "completed_at": A.completed_at,
                "completed_by": A.completed_by,
            },
            _actions,
        ),
        Kind(
            "scorecards",
            "weekly scorecard measures",
            S.id,
            "recorded_at",
            W.team_id,
            S.workflow_id,
            {
                "entry_id": S.id,
                "recorded_at": S.created_at,
                "workflow": W.name,
                "week_of": S.week_start,
                "metric": S.metric,
                "value": S.value,
                "note": S.note,
                "recorded_by": S.recorded_by,
                "updated_at": S.updated_at,
            },
            _scorecards,
        ),
        Kind(
            "votes",
            "votes cast in weekly governance threads (a person's latest choice)",
            V.id,
            "cast_at",
            G.team_id,
            G.workflow_id,
            {
                "vote_id": V.id,
                "cast_at": V.created_at,
                "workflow": W.name,
                "week_of": G.week_start,
                "session_id": V.session_id,
                "voter": V.voter,
                "choice": V.choice,
                "changed_at": V.updated_at,
            },
            _votes,
        ),
        Kind(
            "gaps",
            "changes of hands, or acts, without explicit authority",
            EV.id,
            "at",
            E.team_id,
            E.workflow_id,
            {
                "event_id": EV.id,
                "at": EV.created_at,
                "workflow": W.name,
                "escalation_id": EV.escalation_id,
                "event": EV.kind,
                "actor": EV.actor,
                "summary": E.summary,
                "status": E.status,
                "detail": EV.detail,
            },
            _gaps,
            Secret(E.confidential, (E.raised_by, E.routed_to), ("summary", "detail")),
        ),
        Kind(
            "audit",
            "the append-only audit log, with its hash chain (seq, prev_hash, hash)",
            AU.id,
            "at",
            AU.team_id,
            AU.workflow_id,
            {
                "event_id": AU.id,
                "at": AU.created_at,
                "workflow": W.name,
                "actor": AU.actor,
                "action": AU.action,
                "detail": AU.detail,
                "seq": AU.seq,
                "prev_hash": AU.prev_hash,
                "hash": AU.hash,
            },
            _audit,
        ),
    ]
}
