"""The words of the accountability stack, shared by every layer."""

from __future__ import annotations

from enum import StrEnum


class RiskTier(StrEnum):
    """How much harm a workflow can do when it goes wrong."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class OwnerRole(StrEnum):
    """The accountable roles on a workflow."""

    OUTCOME = "outcome"
    WORKFLOW = "workflow"
    STAGE = "stage"

    @property
    def label(self) -> str:
        """How the role reads in a sentence."""
        return {"outcome": "outcome owner", "workflow": "workflow owner", "stage": "stage owner"}[
            self.value
        ]


class DecisionPoint(StrEnum):
    """Critical decision points that have a decision-rights entry."""

    MODEL_CHANGE = "model_change"
    POLICY_EXCEPTION = "policy_exception"
    INCIDENT_RESPONSE = "incident_response"
    ROLLOUT_GATE = "rollout_gate"
    BUDGET = "budget"
    COMPLIANCE = "compliance"
    GOVERNANCE = "governance"

    @property
    def label(self) -> str:
        """Human name of the decision point."""
        return DECISION_POINT_LABELS[self]


DECISION_POINT_LABELS: dict[DecisionPoint, str] = {
    DecisionPoint.MODEL_CHANGE: "Model change",
    DecisionPoint.POLICY_EXCEPTION: "Policy exception",
    DecisionPoint.INCIDENT_RESPONSE: "Incident response",
    DecisionPoint.ROLLOUT_GATE: "Rollout gate",
    DecisionPoint.BUDGET: "Budget",
    DecisionPoint.COMPLIANCE: "Compliance",
    DecisionPoint.GOVERNANCE: "Weekly governance decision",
}


class Duty(StrEnum):
    """What a party does at a decision point."""

    RECOMMENDS = "recommends"
    APPROVES = "approves"
    EXECUTES = "executes"
    INFORMED = "informed"


class CouncilMatter(StrEnum):
    """Kinds of decision beyond any owner's authority: they always go to the AI council."""

    SEV1_INCIDENT = "sev1_incident"
    BUDGET_OVERRUN = "budget_overrun"
    COMPLIANCE_EXCEPTION = "compliance_exception"
    MAJOR_PIVOT = "major_pivot"
    RISK_TIER_CHANGE = "risk_tier_change"
    EXTERNAL_COMMITMENT = "external_commitment"

    @property
    def label(self) -> str:
        """Human name of the matter."""
        return self.value.replace("sev1", "sev-1").replace("_", " ").capitalize()


class GovernanceChoice(StrEnum):
    """The four decisions of a weekly governance thread (and a low-risk week skipped)."""

    CONTINUE = "continue"
    STABILIZE = "stabilize"
    PAUSE = "pause"
    REDESIGN = "redesign"
    # Not voted on: the outcome owner of a low-risk workflow skipped the week, with a reason.
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        """How the decision reads: 'Pause for risk remediation'."""
        return GOVERNANCE_CHOICE_LABELS[self]

    @property
    def needs_follow_up(self) -> bool:
        """Pause and stop need at least one follow-up action and a re-review date."""
        return self in (GovernanceChoice.PAUSE, GovernanceChoice.REDESIGN)


GOVERNANCE_CHOICE_LABELS: dict[GovernanceChoice, str] = {
    GovernanceChoice.CONTINUE: "Continue as planned",
    GovernanceChoice.STABILIZE: "Stabilize before scaling",
    GovernanceChoice.PAUSE: "Pause for risk remediation",
    GovernanceChoice.REDESIGN: "Stop and redesign",
    GovernanceChoice.SKIPPED: "Skipped this week",
}
# What people vote on and the approver records; a skip is not one of them.
VOTE_CHOICES: tuple[GovernanceChoice, ...] = (
    GovernanceChoice.CONTINUE,
    GovernanceChoice.STABILIZE,
    GovernanceChoice.PAUSE,
    GovernanceChoice.REDESIGN,
)


class WorkflowStatus(StrEnum):
    """Where a workflow stands after its last governance decision."""

    ACTIVE = "active"
    STABILIZING = "stabilizing"
    PAUSED = "paused"
    STOPPED = "stopped"


# The workflow's status follows the decision.
STATUS_AFTER: dict[GovernanceChoice, WorkflowStatus] = {
    GovernanceChoice.CONTINUE: WorkflowStatus.ACTIVE,
    GovernanceChoice.STABILIZE: WorkflowStatus.STABILIZING,
    GovernanceChoice.PAUSE: WorkflowStatus.PAUSED,
    GovernanceChoice.REDESIGN: WorkflowStatus.STOPPED,
}


class SessionStatus(StrEnum):
    """A governance session: open for votes until its decision is recorded."""

    OPEN = "open"
    DECIDED = "decided"


class ActionStatus(StrEnum):
    """A follow-up action of a decision."""

    OPEN = "open"
    DONE = "done"


class EscalationStatus(StrEnum):
    """Where an escalation stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    HANDED_OFF = "handed_off"
    RESOLVED = "resolved"


class OutboxStatus(StrEnum):
    """Delivery state of an outbox message."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    # Kept, not attempted: the workspace removed the app (or its token); resumes on reinstall.
    HELD = "held"


class SessionKind(StrEnum):
    """Why a governance session exists."""

    WEEKLY = "weekly"  # the one weekly thread, opened by the schedule
    EXTRA = "extra"  # asked for with /cadence review
    RISK_REVIEW = "risk_review"  # a scorecard value crossed its risk-review trigger
    RESET_REVIEW = "reset_review"  # the 30-day review of an accountability reset (day 28)


class ScorecardMetric(StrEnum):
    """The weekly scorecard's measures."""

    THROUGHPUT = "throughput"
    QUALITY = "quality"
    EXCEPTION_RATE = "exception_rate"
    REWORK_VOLUME = "rework_volume"
    DECISION_LATENCY = "decision_latency"


class TriggerDirection(StrEnum):
    """Which way a scorecard value must move to start a risk review."""

    ABOVE = "above"
    BELOW = "below"
    RISE = "rise"  # up more than the threshold, in percent, week on week


class ReminderKind(StrEnum):
    """What a reminder is about."""

    ESCALATION = "escalation"
    DECISION = "decision"
    SCORECARD = "scorecard"
    ACTION = "action"


class Severity(StrEnum):
    """How bad an escalation is; sev-1 always reaches the council."""

    SEV1 = "sev1"
    SEV2 = "sev2"
    SEV3 = "sev3"
    SEV4 = "sev4"

    @property
    def label(self) -> str:
        """'sev-1'."""
        return self.value.replace("sev", "sev-")

    @property
    def hint(self) -> str:
        """One line on when to pick it."""
        return SEVERITY_HINTS[self]


SEVERITY_HINTS: dict[Severity, str] = {
    Severity.SEV1: "Harm is happening now (customers, money, law); the council is told",
    Severity.SEV2: "Serious harm is likely soon; needs a decision today",
    Severity.SEV3: "Contained problem; needs a decision this week",
    Severity.SEV4: "Minor issue or a question; decide when convenient",
}


class ResetStatus(StrEnum):
    """Where a 30-day accountability reset stands."""

    RUNNING = "running"
    FINISHED = "finished"  # its 30 days are over
    STOPPED = "stopped"  # stopped early, with a reason
