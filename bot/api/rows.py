"""The rows the integration API lists: the export's columns of each kind, typed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from bot.api.models import Page


class WorkflowRow(BaseModel):
    """A workflow, archived ones included."""

    workflow_id: int
    created_at: datetime
    created_at_local: datetime
    name: str
    channel_id: str
    business_outcome: str | None
    risk_tier: str
    status: str
    re_review_on: date | None
    created_by: str
    archived_at: datetime | None


class OwnerRow(BaseModel):
    """An owner assignment: who held a role on a workflow, from when, until when."""

    assignment_id: int
    assigned_at: datetime
    assigned_at_local: datetime
    workflow: str
    workflow_id: int
    role: str = Field(description="outcome, workflow or stage")
    stage: str = Field(description="The stage's name for a stage owner, else empty.")
    user_id: str
    assigned_by: str
    ended_at: datetime | None = Field(description="Null while the assignment is in force.")


class DecisionRow(BaseModel):
    """A governance decision."""

    decision_id: int
    decided_at: datetime
    decided_at_local: datetime
    workflow: str
    week_of: date
    choice: str
    rationale: str
    recorded_by: str
    latency_seconds: int | None
    re_review_on: date | None
    session_id: int


class EscalationRow(BaseModel):
    """An escalation. A confidential one reads '(confidential)' in summary, details, link and
    resolution: the API is outside its need to know."""

    escalation_id: int
    raised_at: datetime
    raised_at_local: datetime
    workflow: str
    decision_point: str
    council_matter: str | None
    severity: str
    summary: str
    details: str | None
    link: str | None
    status: str
    raised_by: str
    routed_to: str | None
    tier: int
    needs_council: bool
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_seconds: int | None
    resolved_at: datetime | None
    resolved_by: str | None
    resolve_seconds: int | None
    resolution: str | None


class ActionRow(BaseModel):
    """A follow-up action of a decision."""

    action_id: int
    created_at: datetime
    created_at_local: datetime
    workflow: str
    decision_id: int | None
    description: str
    owner: str
    due_on: date | None
    status: str
    created_by: str
    completed_at: datetime | None
    completed_by: str | None


class WorkflowPage(Page[WorkflowRow]):
    """A page of workflows."""


class OwnerPage(Page[OwnerRow]):
    """A page of owner assignments."""


class DecisionPage(Page[DecisionRow]):
    """A page of decisions."""


class EscalationPage(Page[EscalationRow]):
    """A page of escalations."""


class ActionPage(Page[ActionRow]):
    """A page of follow-up actions."""


# Each listing's row model and page model, by the listing's name (cadence/integration/listing).
LISTED: dict[str, tuple[type[BaseModel], type[Page[Any]]]] = {
    "workflows": (WorkflowRow, WorkflowPage),
    "owners": (OwnerRow, OwnerPage),
    "decisions": (DecisionRow, DecisionPage),
    "escalations": (EscalationRow, EscalationPage),
    "actions": (ActionRow, ActionPage),
}
