"""What a person sees on Cadence's Home tab: their roles and the gaps they can fix."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from cadence import council, owners, workflows
from cadence.owners import role_phrase
from storage.models import Workflow


@dataclass
class HomeSummary:
    """The Home tab's content for one person."""

    roles: list[tuple[Workflow, str]] = field(default_factory=list)
    on_council: bool = False
    gaps: list[tuple[Workflow, list[str]]] = field(default_factory=list)
    workflow_count: int = 0


def summarize_for(db: Session, *, team_id: str, user_id: str) -> HomeSummary:
    """The person's roles, their council seat, and gaps in every workflow."""
    summary = HomeSummary(on_council=user_id in council.member_ids(db, team_id=team_id))
    active = workflows.list_workflows(db, team_id=team_id)
    summary.workflow_count = len(active)
    for workflow in active:
        current = owners.current_owners(db, workflow_id=workflow.id or 0)
        if current.outcome == user_id:
            summary.roles.append((workflow, role_phrase("outcome")))
        if current.workflow == user_id:
            summary.roles.append((workflow, role_phrase("workflow")))
        summary.roles += [
            (workflow, role_phrase("stage", s)) for s, u in current.stages.items() if u == user_id
        ]
        if current.gaps():
            summary.gaps.append((workflow, current.gaps()))
    return summary
