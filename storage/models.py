"""Every table Cadence keeps. Uniqueness that matters is declared here, not hoped for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from storage.clock import now
from storage.types import UTCDateTime

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def pk(row: SQLModel) -> int:
    """The row's id; only a row not yet flushed has none, and asking for it then is a bug."""
    key = getattr(row, "id", None)
    if key is None:
        raise ValueError(f"{type(row).__name__} has no id until it is flushed")
    return int(key)


def _created() -> Any:
    return Field(default_factory=now, sa_type=UTCDateTime, nullable=False)


def _when() -> Any:
    return Field(default=None, sa_type=UTCDateTime, nullable=True)


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


def _only_current(name: str, *columns: str, open_column: str) -> Index:
    """A unique index over rows still in force (history rows are kept beside them)."""
    where = text(f"{open_column} IS NULL")
    return Index(name, *columns, unique=True, sqlite_where=where, postgresql_where=where)


class WorkspaceSettings(SQLModel, table=True):
    """Per-workspace preferences: time zone and when the weekly rhythm runs."""

    __tablename__ = "workspace_settings"
    team_id: str = Field(primary_key=True, max_length=32)
    timezone: str = Field(default="UTC", max_length=64)
    governance_weekday: int = Field(default=0, ge=0, le=6)
    governance_hour: int = Field(default=9, ge=0, le=23)
    governance_minute: int = Field(default=0, ge=0, le=59)
    updated_by: str | None = Field(default=None, max_length=32)
    council_channel_id: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class Workflow(SQLModel, table=True):
    """An AI-enabled workflow that someone is accountable for."""

    __tablename__ = "workflow"
    __table_args__ = (
        _only_current("uq_workflow_active_name", "team_id", "name_key", open_column="archived_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    channel_id: str = Field(max_length=32)
    business_outcome: str | None = Field(default=None, max_length=300)
    risk_tier: str = Field(default="medium", max_length=16)
    # Follows the last governance decision: active, stabilizing, paused or stopped.
    status: str = Field(default="active", max_length=16)
    re_review_on: date | None = None
    created_by: str = Field(max_length=32)
    created_at: datetime = _created()
    archived_at: datetime | None = _when()
    archived_by: str | None = Field(default=None, max_length=32)


class OwnerAssignment(SQLModel, table=True):
    """Who holds an owner role on a workflow, and since when; ended rows are history."""

    __tablename__ = "owner_assignment"
    __table_args__ = (
        _only_current(
            "uq_owner_assignment_current", "workflow_id", "role", "stage", open_column="ended_at"
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    role: str = Field(max_length=16)
    stage: str = Field(default="", max_length=80)
    user_id: str = Field(max_length=32)
    assigned_by: str = Field(max_length=32)
    created_at: datetime = _created()
    ended_at: datetime | None = _when()
    ended_by: str | None = Field(default=None, max_length=32)


class CouncilMember(SQLModel, table=True):
    """A member of the AI council, the body above owners; removed rows are history."""

    __tablename__ = "council_member"
    __table_args__ = (
        _only_current("uq_council_member_current", "team_id", "user_id", open_column="removed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    user_id: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    created_at: datetime = _created()
    removed_at: datetime | None = _when()
    removed_by: str | None = Field(default=None, max_length=32)


class DecisionRight(SQLModel, table=True):
    """Who recommends / approves / executes / is informed at one decision point.

    `parties` holds party tokens: "outcome_owner", "workflow_owner", "council" or "user:U123".
    A missing row means the default for that duty.
    """

    __tablename__ = "decision_right"
    __table_args__ = (UniqueConstraint("workflow_id", "decision_point", "duty"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    decision_point: str = Field(max_length=32)
    duty: str = Field(max_length=16)
    parties: list[str] = _json(list)
    updated_by: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class Escalation(SQLModel, table=True):
    """A matter raised with /escalate and routed by the decision-rights map.

    `routed_to` is the current owner (None while only the council holds it); `tier` counts
    how often it climbed past an owner who did not answer.
    """

    __tablename__ = "escalation"
    __table_args__ = (
        Index("ix_escalation_owner_status", "routed_to", "status"),
        Index("ix_escalation_team_status", "team_id", "status"),
        Index("ix_escalation_workflow_status", "workflow_id", "status"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    decision_point: str = Field(max_length=32)
    council_matter: str | None = Field(default=None, max_length=32)
    severity: str = Field(default="sev3", max_length=8)
    summary: str = Field(max_length=300)
    details: str | None = Field(default=None, max_length=3000)
    link: str | None = Field(default=None, max_length=500)
    raised_by: str = Field(max_length=32, index=True)
    source_channel_id: str | None = Field(default=None, max_length=32)
    routed_to: str | None = Field(default=None, max_length=32)
    routed_via: str | None = Field(default=None, max_length=200)
    tier: int = 0
    needs_council: bool = False
    # Need-to-know: only its reporter, its holders and the council see what it says.
    confidential: bool = False
    status: str = Field(default="open", max_length=16, index=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()
    acknowledged_at: datetime | None = _when()
    acknowledged_by: str | None = Field(default=None, max_length=32)
    resolved_at: datetime | None = _when()
    resolved_by: str | None = Field(default=None, max_length=32)
    resolution: str | None = Field(default=None, max_length=3000)
    # On a high-risk workflow a model change or rollout gate is resolved only after this review.
    council_reviewed_at: datetime | None = _when()
    council_reviewed_by: str | None = Field(default=None, max_length=32)
    council_review_note: str | None = Field(default=None, max_length=3000)
    # Decision latency, kept for the scorecard: seconds from opened to acknowledged / resolved.
    ack_latency_seconds: int | None = None
    resolve_latency_seconds: int | None = None


class EscalationEvent(SQLModel, table=True):
    """One step in an escalation's life: routed, acknowledged, handed off, resolved."""

    __tablename__ = "escalation_event"
    __table_args__ = (Index("ix_escalation_event_gaps", "authorized", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int = Field(foreign_key="escalation.id", index=True)
    kind: str = Field(max_length=32)
    actor: str = Field(max_length=32)
    # False when ownership changed hands (or someone acted) without explicit authority.
    authorized: bool = True
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = _created()


class GovernanceSession(SQLModel, table=True):
    """A governance thread of one workflow: the weekly one, or an extra session on demand.

    The weekly thread is number 0 of its week, so (workflow, week, number) being unique means
    exactly one weekly thread per workflow per week; extra sessions (asked for, or risk
    reviews) are numbered 1, 2… within the week and each is unique on its own request key.
    """

    __tablename__ = "governance_session"
    __table_args__ = (
        UniqueConstraint("workflow_id", "week_start", "number"),
        CheckConstraint(
            "(kind = 'weekly' AND number = 0) OR (kind <> 'weekly' AND number > 0)",
            name="weekly_is_number_0",
        ),
        Index("ix_governance_session_team_week", "team_id", "week_start"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    week_start: date
    # weekly, extra (asked for with /cadence review) or risk_review (a trigger was crossed).
    kind: str = Field(default="weekly", max_length=16)
    number: int = 0
    title: str | None = Field(default=None, max_length=150)
    reason: str | None = Field(default=None, max_length=500)
    opened_by: str | None = Field(default=None, max_length=32)
    # What made it (a Slack request, a breach): retrying that request finds this session.
    request_key: str | None = Field(default=None, max_length=200, unique=True)
    channel_id: str = Field(max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    status: str = Field(default="open", max_length=16, index=True)
    # True while a tally refresh is queued; votes set it, the refresh clears it (coalescing).
    tally_queued: bool = False
    created_at: datetime = _created()
    closed_at: datetime | None = _when()


class Vote(SQLModel, table=True):
    """One person's current vote in a governance session (changing it updates the row)."""

    __tablename__ = "vote"
    __table_args__ = (UniqueConstraint("session_id", "voter"),)
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="governance_session.id", index=True)
    voter: str = Field(max_length=32)
    choice: str = Field(max_length=16)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class Decision(SQLModel, table=True):
    """The final decision of a governance session, recorded by the accountable owner."""

    __tablename__ = "decision"
    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="governance_session.id", unique=True)
    choice: str = Field(max_length=16)
    rationale: str = Field(max_length=3000)
    recorded_by: str = Field(max_length=32)
    re_review_on: date | None = None
    # Seconds from the thread opening to the decision: the governance decision latency.
    latency_seconds: int | None = None
    created_at: datetime = _created()


class ActionItem(SQLModel, table=True):
    """A follow-up action, usually from a decision, with an owner and a due date."""

    __tablename__ = "action_item"
    __table_args__ = (Index("ix_action_item_open_due", "status", "due_on"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    decision_id: int | None = Field(default=None, foreign_key="decision.id", index=True)
    description: str = Field(max_length=500)
    owner_id: str = Field(max_length=32)
    due_on: date | None = None
    status: str = Field(default="open", max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = _created()
    completed_at: datetime | None = _when()
    completed_by: str | None = Field(default=None, max_length=32)


class ScorecardEntry(SQLModel, table=True):
    """One weekly measure of a workflow (throughput, quality trend, exception rate...)."""

    __tablename__ = "scorecard_entry"
    __table_args__ = (UniqueConstraint("workflow_id", "week_start", "metric"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    week_start: date
    metric: str = Field(max_length=32)
    value: float
    note: str | None = Field(default=None, max_length=300)
    recorded_by: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class KpiNode(SQLModel, table=True):
    """One node of a workflow's KPI tree: a primary goal, strategic driver, operational metric
    or technical input, with its unit, target and which direction is better.

    A node's parent sits exactly one level up. A node taken out of the tree keeps its row (and
    its values) with `removed_at` set; putting a node of the same name back revives it.
    """

    __tablename__ = "kpi_node"
    __table_args__ = (UniqueConstraint("workflow_id", "name_key"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    level: str = Field(max_length=16)
    name: str = Field(max_length=80)
    name_key: str = Field(max_length=80)
    unit: str = Field(default="", max_length=24)
    target: float
    direction: str = Field(max_length=8)  # higher or lower is better
    parent_id: int | None = Field(default=None, foreign_key="kpi_node.id")
    position: int = 0
    set_by: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()
    removed_at: datetime | None = _when()


class KpiLink(SQLModel, table=True):
    """A scorecard metric serving a KPI tree node: a bad week of the metric puts it at risk."""

    __tablename__ = "kpi_link"
    __table_args__ = (UniqueConstraint("workflow_id", "metric"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    metric: str = Field(max_length=32)
    node_id: int = Field(foreign_key="kpi_node.id")
    set_by: str = Field(max_length=32)
    created_at: datetime = _created()


class KpiValue(SQLModel, table=True):
    """A KPI tree node's value for one week, reported like the scorecard."""

    __tablename__ = "kpi_value"
    __table_args__ = (UniqueConstraint("node_id", "week_start"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    node_id: int = Field(foreign_key="kpi_node.id")
    week_start: date
    value: float
    recorded_by: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class RiskTrigger(SQLModel, table=True):
    """A risk-review threshold on one scorecard metric of a workflow ("exception rate above 5").

    `direction` is above, below or rise (up more than `threshold` percent week on week).
    """

    __tablename__ = "risk_trigger"
    __table_args__ = (UniqueConstraint("workflow_id", "metric"),)
    id: int | None = Field(default=None, primary_key=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    metric: str = Field(max_length=32)
    direction: str = Field(max_length=16)
    threshold: float
    set_by: str = Field(max_length=32)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class RiskBreach(SQLModel, table=True):
    """A metric past its trigger: from the value that crossed it to the one back within it.

    At most one breach per workflow and metric is open, so a value reported twice (or still
    past the trigger next week) starts no second risk review; crossing again after the
    breach ended starts a new one.
    """

    __tablename__ = "risk_breach"
    __table_args__ = (
        _only_current("uq_risk_breach_open", "workflow_id", "metric", open_column="ended_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    metric: str = Field(max_length=32)
    direction: str = Field(max_length=16)
    threshold: float
    value: float
    week_start: date
    started_by: str = Field(max_length=32)
    # The risk review it opened (an extra governance session).
    session_id: int | None = Field(default=None, foreign_key="governance_session.id")
    created_at: datetime = _created()
    ended_at: datetime | None = _when()
    ended_value: float | None = None
    ended_by: str | None = Field(default=None, max_length=32)


class RiskTierRequest(SQLModel, table=True):
    """A request to change a workflow's risk tier: a council matter raised as an escalation;
    the tier changes only when a council member approves it. One pending per workflow."""

    __tablename__ = "risk_tier_request"
    __table_args__ = (
        _only_current("uq_risk_tier_request_pending", "workflow_id", open_column="decided_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    escalation_id: int = Field(foreign_key="escalation.id", unique=True)
    from_tier: str = Field(max_length=16)
    to_tier: str = Field(max_length=16)
    reason: str = Field(max_length=500)
    requested_by: str = Field(max_length=32)
    # pending, approved or rejected
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = _created()
    decided_at: datetime | None = _when()
    decided_by: str | None = Field(default=None, max_length=32)


class OutboxMessage(SQLModel, table=True):
    """A message Cadence has decided to send, written with the change that caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True)
    team_id: str | None = Field(default=None, max_length=32)
    method: str = Field(max_length=64)
    payload: dict[str, Any] = _json(dict)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = _created()
    locked_until: datetime | None = _when()
    # Set while a chat.postMessage may have reached Slack without us hearing back (a crash or
    # a timeout mid-call): the next attempt first looks for it in the channel before posting.
    in_flight_at: datetime | None = _when()
    last_error: str | None = Field(default=None, max_length=500)
    result_channel: str | None = Field(default=None, max_length=32)
    result_ts: str | None = Field(default=None, max_length=32)
    created_at: datetime = _created()
    sent_at: datetime | None = _when()


class AuditEvent(SQLModel, table=True):
    """Append-only evidence of every change that matters, chained per workspace.

    `seq` numbers a workspace's rows from 1; `hash` covers the row's content and `prev_hash`,
    the hash of the row before it (storage/audit_chain.py), so an edit, a deletion or a row
    slipped in shows when the chain is walked. PostgreSQL refuses UPDATE and DELETE outright.
    """

    __tablename__ = "audit_event"
    __table_args__ = (UniqueConstraint("team_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    workflow_id: int | None = Field(default=None, foreign_key="workflow.id", index=True)
    actor: str = Field(max_length=32)
    action: str = Field(max_length=64)
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = _created()
    seq: int = 0
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64)


class AuditChainHead(SQLModel, table=True):
    """The newest link of a workspace's audit chain; locked while a row is appended to it."""

    __tablename__ = "audit_chain_head"
    team_id: str = Field(primary_key=True, max_length=32)
    seq: int = 0
    hash: str = Field(max_length=64)
    created_at: datetime = _created()
    updated_at: datetime | None = _when()


class AuditPending(SQLModel, table=True):
    """An audit event written while its workspace's chain was held by a writer (an API read
    never waits for one): the next append to that chain links it and deletes this row."""

    __tablename__ = "audit_pending"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    workflow_id: int | None = None
    actor: str = Field(max_length=32)
    action: str = Field(max_length=64)
    detail: dict[str, Any] = _json(dict)
    created_at: datetime = _created()


class Reminder(SQLModel, table=True):
    """One reminder Cadence sent: the record that stops a restart from sending it again.

    `subject` names what it is about ("escalation:42", "session:7", "action:3",
    "scorecard:5:2026-11-23"); `sequence` counts reminders about one subject to one person.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("subject", "recipient", "sequence"),
        Index("ix_reminder_subject_recipient", "subject", "recipient"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    kind: str = Field(max_length=32)
    subject: str = Field(max_length=100)
    recipient: str = Field(max_length=32)
    sequence: int = 1
    outbox_key: str = Field(max_length=200)
    created_at: datetime = _created()


class ReminderSnooze(SQLModel, table=True):
    """A person asked not to be reminded about a subject until a moment."""

    __tablename__ = "reminder_snooze"
    __table_args__ = (UniqueConstraint("subject", "recipient"),)
    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=100)
    recipient: str = Field(max_length=32)
    until: datetime = Field(sa_type=UTCDateTime, nullable=False)
    created_at: datetime = _created()


class SlackUser(SQLModel, table=True):
    """What Cadence remembers of a Slack user: their time zone, for quiet hours."""

    __tablename__ = "slack_user"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    tz: str | None = Field(default=None, max_length=64)
    deleted: bool = False
    fetched_at: datetime = _created()


class CouncilReport(SQLModel, table=True):
    """The monthly council report of one workspace: made once per period, kept as evidence.

    `figures` is the report as computed when it was made (what the council was shown).
    """

    __tablename__ = "council_report"
    __table_args__ = (UniqueConstraint("team_id", "period"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    period: str = Field(max_length=16)  # "2026-11"
    period_start: date
    period_end: date  # exclusive
    timezone: str = Field(max_length=64)
    figures: dict[str, Any] = _json(dict)
    # Where it was sent: the council channel, or the members it was DMed to.
    recipients: list[str] = _json(list)
    created_at: datetime = _created()


# Installations to many workspaces (OAuth): slack_sdk's SQLAlchemy installation and state stores
# read and write these three tables by name (slack_sdk.oauth.installation_store.sqlalchemy,
# slack_sdk.oauth.state_store.sqlalchemy); they are declared here, column for column, so that
# migrations create them. Their times are naive UTC, as slack_sdk writes them.


class SlackInstallation(SQLModel, table=True):
    """One installation of the app into a workspace (slack_sdk's `slack_installations`)."""

    __tablename__ = "slack_installations"
    __table_args__ = (
        Index(
            "slack_installations_idx",
            "client_id", "enterprise_id", "team_id", "user_id", "installed_at",
        ),
    )  # fmt: skip
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=200)
    enterprise_url: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_refresh_token: str | None = Field(default=None, max_length=200)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=DateTime)
    user_id: str = Field(max_length=32)
    user_token: str | None = Field(default=None, max_length=200)
    user_scopes: str | None = Field(default=None, max_length=1000)
    user_refresh_token: str | None = Field(default=None, max_length=200)
    user_token_expires_at: datetime | None = Field(default=None, sa_type=DateTime)
    incoming_webhook_url: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel: str | None = Field(default=None, max_length=200)
    incoming_webhook_channel_id: str | None = Field(default=None, max_length=200)
    incoming_webhook_configuration_url: str | None = Field(default=None, max_length=200)
    is_enterprise_install: bool = False
    token_type: str | None = Field(default=None, max_length=32)
    installed_at: datetime = Field(sa_type=DateTime, nullable=False)


class SlackBot(SQLModel, table=True):
    """The bot token of one installation (slack_sdk's `slack_bots`): what Cadence posts with."""

    __tablename__ = "slack_bots"
    __table_args__ = (
        Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=32)
    app_id: str = Field(max_length=32)
    enterprise_id: str | None = Field(default=None, max_length=32)
    enterprise_name: str | None = Field(default=None, max_length=200)
    team_id: str | None = Field(default=None, max_length=32)
    team_name: str | None = Field(default=None, max_length=200)
    bot_token: str | None = Field(default=None, max_length=200)
    bot_id: str | None = Field(default=None, max_length=32)
    bot_user_id: str | None = Field(default=None, max_length=32)
    bot_scopes: str | None = Field(default=None, max_length=1000)
    bot_refresh_token: str | None = Field(default=None, max_length=200)
    bot_token_expires_at: datetime | None = Field(default=None, sa_type=DateTime)
    is_enterprise_install: bool = False
    installed_at: datetime = Field(sa_type=DateTime, nullable=False)


class SlackOAuthState(SQLModel, table=True):
    """An install link's `state`, consumed once by the OAuth redirect (`slack_oauth_states`)."""

    __tablename__ = "slack_oauth_states"
    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(max_length=200)
    expire_at: datetime = Field(sa_type=DateTime, nullable=False)


class AccountabilityReset(SQLModel, table=True):
    """A 30-day accountability reset of one focus workflow: four weeks of checked items.

    One reset runs per workflow at a time, and one per workspace unless the council started
    another with a reason (`parallel_reason`). `outcome` is the checklist as it stood when the
    reset ended (what the summary said); `checklist_state` the fingerprint of what the
    checklist message shows now, and `refresh_queued` its coalesced update (like the tally).
    """

    __tablename__ = "accountability_reset"
    __table_args__ = (
        _only_current("uq_accountability_reset_running", "workflow_id", open_column="ended_at"),
        Index(
            "uq_accountability_reset_focus",
            "team_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL AND parallel_reason IS NULL"),
            postgresql_where=text("ended_at IS NULL AND parallel_reason IS NULL"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    started_by: str = Field(max_length=32)
    # Set only when the council starts a reset while another one runs: why depth gives way.
    parallel_reason: str | None = Field(default=None, max_length=500)
    start_day: date  # day 1, in the workspace's time zone
    timezone: str = Field(max_length=64)
    # running, finished (day 30 ended) or stopped (early, with a reason)
    status: str = Field(default="running", max_length=16)
    review_session_id: int | None = Field(default=None, foreign_key="governance_session.id")
    next_workflow_id: int | None = Field(default=None, foreign_key="workflow.id")
    next_set_by: str | None = Field(default=None, max_length=32)
    next_set_at: datetime | None = _when()
    checklist_state: str = Field(default="", max_length=64)
    refresh_queued: bool = False
    outcome: list[dict[str, Any]] = _json(list)
    created_at: datetime = _created()
    ended_at: datetime | None = _when()
    ended_by: str | None = Field(default=None, max_length=32)
    end_reason: str | None = Field(default=None, max_length=500)


class RightsConfirmation(SQLModel, table=True):
    """A council member confirmed a workflow's decision rights as they stood (`rights`); the
    confirmation no longer holds once the rights differ from that snapshot."""

    __tablename__ = "rights_confirmation"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    workflow_id: int = Field(foreign_key="workflow.id", index=True)
    confirmed_by: str = Field(max_length=32)
    rights: dict[str, Any] = _json(dict)
    created_at: datetime = _created()


class GapAcknowledgement(SQLModel, table=True):
    """The outcome owner acknowledged an ownership gap (a step without authority), with a note."""

    __tablename__ = "gap_acknowledgement"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    event_id: int = Field(foreign_key="escalation_event.id", unique=True)
    note: str = Field(max_length=1000)
    acknowledged_by: str = Field(max_length=32)
    created_at: datetime = _created()


class ApiToken(SQLModel, table=True):
    """A workspace's token for the integration API. Only its SHA-256 is kept: the token itself
    is shown once, to the council member who created it. Revoked rows are history."""

    __tablename__ = "api_token"
    __table_args__ = (
        _only_current("uq_api_token_live_name", "team_id", "name", open_column="revoked_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32, index=True)
    name: str = Field(max_length=24)
    token_hash: str = Field(max_length=64, unique=True)
    # The token's first characters ("cad_3kQ9"), so a person can tell which one leaked.
    hint: str = Field(max_length=16)
    created_by: str = Field(max_length=32)
    created_at: datetime = _created()
    revoked_at: datetime | None = _when()
    revoked_by: str | None = Field(default=None, max_length=32)
    # The token's rate-limit bucket (storage/rate_buckets.py), shared by every worker and
    # replica: the calls left, and when (Unix seconds) it was last spent. NULL = full.
    rate_tokens: float | None = None
    rate_at: float | None = None


class ApiIdempotencyKey(SQLModel, table=True):
    """An API write made under an `Idempotency-Key`: a retry with the same key gets the same
    answer, and makes no second change. One row per workspace and key."""

    __tablename__ = "api_idempotency_key"
    __table_args__ = (UniqueConstraint("team_id", "idempotency_key"),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    idempotency_key: str = Field(max_length=128)
    token_id: int = Field(foreign_key="api_token.id", index=True)
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: str = Field(max_length=64)
    status_code: int
    response: dict[str, Any] = _json(dict)
    created_at: datetime = _created()


class ChannelCanvas(SQLModel, table=True):
    """The living canvas of a workflow's governance channel: its map and decision log.

    `status`: creating (the create call is queued or under way), live (`canvas_id` known),
    refused (Slack will not make one here: the map and log are posted as messages instead).
    `round` numbers the attempts to create one (a new round after a refusal is lifted), so
    each round's create is one outbox row. `refresh_queued` coalesces a burst of changes into
    one queued refresh, lowered by the refresh as it renders (like a governance tally).
    """

    __tablename__ = "channel_canvas"
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    workflow_id: int = Field(foreign_key="workflow.id", unique=True)
    channel_id: str = Field(max_length=32)
    status: str = Field(default="creating", max_length=16)
    canvas_id: str | None = Field(default=None, max_length=32)
    round: int = 0
    refresh_queued: bool = False
    refused_error: str | None = Field(default=None, max_length=100)
    # When the owners were told, once, how to enable canvases (the fallback's DM).
    owners_told_at: datetime | None = _when()
    created_at: datetime = _created()
    updated_at: datetime | None = _when()
