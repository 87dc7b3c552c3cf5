"""What a person sees on Cadence's Home tab: their roles and the gaps they can fix."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session, col, select

from cadence.accountability import council, queries, workflows
from cadence.accountability.owners import role_phrase
from cadence.reminders import rules
from cadence.reset import lifecycle
from cadence.reset.view import ResetView, reset_view
from cadence.vocabulary import ActionStatus, EscalationStatus
from storage.models import ActionItem, Decision, Escalation, GovernanceSession, Workflow, pk

WAITING_MAX = 10


@dataclass
class HomeSummary:
    """The Home tab's content for one person."""

    roles: list[tuple[Workflow, str]] = field(default_factory=list)
    on_council: bool = False
    gaps: list[tuple[Workflow, list[str]]] = field(default_factory=list)
    workflow_count: int = 0
    escalations: list[tuple[Escalation, Workflow]] = field(default_factory=list)
    decisions: list[tuple[GovernanceSession, Workflow]] = field(default_factory=list)
    actions: list[tuple[ActionItem, Workflow]] = field(default_factory=list)
    # Running 30-day resets of the workflows the person has a role in.
    resets: list[ResetView] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        """How many things wait on this person."""
        return len(self.escalations) + len(self.decisions) + len(self.actions)


def summarize_for(db: Session, *, team_id: str, user_id: str) -> HomeSummary:
    """The person's roles, their council seat, and gaps in every workflow."""
    summary = HomeSummary(on_council=user_id in council.member_ids(db, team_id=team_id))
    active = workflows.list_workflows(db, team_id=team_id)
    summary.workflow_count = len(active)
    for workflow in active:
        current = queries.current_owners(db, workflow_id=pk(workflow))
        if current.outcome == user_id:
            summary.roles.append((workflow, role_phrase("outcome")))
        if current.workflow == user_id:
            summary.roles.append((workflow, role_phrase("workflow")))
        summary.roles += [
            (workflow, role_phrase("stage", s)) for s, u in current.stages.items() if u == user_id
        ]
        if current.gaps():
            summary.gaps.append((workflow, current.gaps()))
    _waiting_for(db, summary, {w.id: w for w in active}, user_id)
    mine = dict.fromkeys(pk(w) for w, _ in summary.roles)
    running = [lifecycle.running_for(db, workflow_id=i) for i in mine]
    found = [reset_view(db, reset_id=pk(r)) for r in running if r is not None]
    summary.resets = [v for v in found if v is not None]
    return summary


def _waiting_for(
    db: Session, summary: HomeSummary, active: dict[int | None, Workflow], user_id: str
) -> None:
    """Escalations the person owns, decisions they can record, their open actions."""
    owned = db.exec(
        select(Escalation)
        .where(Escalation.routed_to == user_id)
        .where(col(Escalation.status) != EscalationStatus.RESOLVED)
        .order_by(col(Escalation.id).desc())
        .limit(WAITING_MAX)
    ).all()
    summary.escalations = [(e, active[e.workflow_id]) for e in owned if e.workflow_id in active]
    undecided = db.exec(
        select(GovernanceSession)
        .where(col(GovernanceSession.workflow_id).in_([i for i in active if i is not None]))
        .where(col(GovernanceSession.id).not_in(select(Decision.session_id)))
        .order_by(col(GovernanceSession.id).desc())
        .limit(WAITING_MAX * 5)
    ).all()
    summary.decisions = [
        (s, active[s.workflow_id])
        for s in undecided
        if user_id in rules.decision_owners(db, active[s.workflow_id])
    ][:WAITING_MAX]
    mine = db.exec(
        select(ActionItem)
        .where(ActionItem.owner_id == user_id)
        .where(ActionItem.status == ActionStatus.OPEN)
        .order_by(col(ActionItem.due_on))
        .limit(WAITING_MAX)
    ).all()
    summary.actions = [(a, active[a.workflow_id]) for a in mine if a.workflow_id in active]
