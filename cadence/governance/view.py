"""Everything a governance thread's parent message shows, read from the database at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from cadence.accountability import queries
from cadence.accountability.queries import Owners
from cadence.governance import scorecard, tally
from cadence.governance.queries import latest_decision_before
from cadence.governance.schedule import Schedule, local_time
from cadence.governance.settings import load_schedule
from cadence.governance.trends import WEEKS_SHOWN, Trend, read_trends
from cadence.kpi.view import KpiTreeView, read_kpi_tree
from cadence.vocabulary import ActionStatus, EscalationStatus, GovernanceChoice, SessionKind
from storage.clock import now
from storage.models import ActionItem, Decision, Escalation, GovernanceSession, Workflow, pk

# The 30-day review of an accountability reset shows the trends of the reset's four weeks.
RESET_REVIEW_WEEKS = 4
OPEN_ESCALATION = [s.value for s in EscalationStatus if s != EscalationStatus.RESOLVED]


@dataclass
class ThreadView:
    """A governance session as its parent message shows it."""

    session: GovernanceSession
    workflow: Workflow
    owners: Owners
    schedule: Schedule
    last_decision: Decision | None
    scorecard: list[scorecard.MetricRow]
    open_escalations: int
    overdue_actions: int
    tally: dict[GovernanceChoice, int]
    decision: Decision | None
    trends: list[Trend] = field(default_factory=list)
    kpi: KpiTreeView | None = None
    # The Monday of the week the last decision was recorded (None without one).
    last_decision_week: date | None = None

    def opened_at(self) -> str:
        """When the session opened, in the workspace's time zone: 'Thu 26 Nov 15:10'."""
        return local_time(self.session.created_at, self.schedule.timezone).strftime(
            "%a %d %b %H:%M"
        )

    def decided_at(self) -> str:
        """When the decision was recorded, in the workspace's time zone: 'Tue 14:02'."""
        if self.decision is None:
            return ""
        return local_time(self.decision.created_at, self.schedule.timezone).strftime("%a %H:%M")


def thread_view(db: Session, *, session_id: int, default_zone: str) -> ThreadView | None:
    """The session's parent message content, or None when the session or workflow is gone."""
    session = db.get(GovernanceSession, session_id)
    workflow = db.get(Workflow, session.workflow_id) if session is not None else None
    if session is None or workflow is None:
        return None
    schedule = load_schedule(db, team_id=session.team_id, default_zone=default_zone)
    today = local_time(now(), schedule.timezone).date()
    rows = scorecard.read_scorecard(
        db, workflow=workflow, week_start=session.week_start, schedule=schedule
    )
    last = latest_decision_before(db, session=session)
    return ThreadView(
        session=session,
        workflow=workflow,
        owners=queries.current_owners(db, workflow_id=pk(workflow)),
        schedule=schedule,
        last_decision=last,
        last_decision_week=_monday(last.created_at, schedule.timezone) if last else None,
        scorecard=rows,
        trends=read_trends(
            db,
            workflow=workflow,
            last_week=session.week_start,
            schedule=schedule,
            weeks=trend_weeks(session),
        ),
        kpi=read_kpi_tree(
            db,
            workflow_id=pk(workflow),
            week_start=session.week_start,
            scorecard=rows,
            weeks=trend_weeks(session),
        ),
        open_escalations=_count(
            db,
            select(func.count()).where(
                Escalation.workflow_id == workflow.id,
                col(Escalation.status).in_(OPEN_ESCALATION),
            ),
        ),
        overdue_actions=_count(
            db,
            select(func.count()).where(
                ActionItem.workflow_id == workflow.id,
                ActionItem.status == ActionStatus.OPEN,
                col(ActionItem.due_on).is_not(None),
                col(ActionItem.due_on) < today,
            ),
        ),
        tally=tally.tally(db, session_id=session_id),
        decision=db.exec(select(Decision).where(Decision.session_id == session_id)).first(),
    )


def last_decision_label(view: ThreadView) -> str:
    """'Last week's decision' when it was recorded the week before this thread opened;
    otherwise 'Last decision (week of 02 Nov)' (or '(this week)'), so an old one never looks new."""
    week = view.last_decision_week
    opened = _monday(view.session.created_at, view.schedule.timezone)
    weekly = view.session.kind == SessionKind.WEEKLY
    if weekly and (week is None or week == opened - timedelta(days=7)):
        return "Last week's decision"
    if week is None:
        return "Last decision"
    return (
        "Last decision (this week)" if week == opened else f"Last decision (week of {week:%d %b})"
    )


def _monday(moment: datetime, zone: str) -> date:
    day = local_time(moment, zone).date()
    return day - timedelta(days=day.weekday())


def trend_weeks(session: GovernanceSession) -> int:
    """How many weeks of trends the session's parent shows."""
    return RESET_REVIEW_WEEKS if session.kind == SessionKind.RESET_REVIEW else WEEKS_SHOWN


def _count(db: Session, query: object) -> int:
    return int(db.exec(query).one())  # type: ignore[call-overload]
