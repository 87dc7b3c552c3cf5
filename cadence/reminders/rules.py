"""Who is owed a reminder, about what, and when: one rule per kind of reminder.

A rule yields candidates; each carries a schedule that, given the moments earlier reminders
about the same subject went to the same person, says when the next one is due (None: no more).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from cadence.accountability import council, queries
from cadence.governance import schedule, scorecard, settings, threads
from cadence.reminders.working_hours import WORK_START, latest_working_moment
from cadence.vocabulary import (
    ActionStatus,
    DecisionPoint,
    Duty,
    EscalationStatus,
    ReminderKind,
    Severity,
)
from storage.models import ActionItem, Decision, Escalation, GovernanceSession, Workflow, pk

# How long an escalation may wait for its owner's acknowledgement before the first reminder.
ACK_WINDOWS: dict[str, timedelta] = {
    Severity.SEV1: timedelta(minutes=15),
    Severity.SEV2: timedelta(hours=1),
    Severity.SEV3: timedelta(hours=4),
    # "Next working day": a day later, which quiet hours move to the next working morning.
    Severity.SEV4: timedelta(days=1),
}
# Reminders k = 1, 2, 3 fall at these multiples of the window after the owner got it, so the
# gaps grow; after the third, the escalation climbs a tier at CLIMB_AFTER windows.
REMINDER_STEPS = (1, 2, 4)
CLIMB_AFTER = 6
DECISION_WAIT = timedelta(hours=48)
DECISION_LOOKBACK = timedelta(days=14)
ACTION_REMINDERS_MAX = 5

Schedule = Callable[[list[datetime], ZoneInfo], datetime | None]


@dataclass(frozen=True)
class Candidate:
    """Someone who may be owed a reminder about a subject."""

    kind: ReminderKind
    subject: str
    recipient: str
    team_id: str
    schedule: Schedule
    urgent: bool = False  # sev-1: does not wait for working hours
    # Only reminders sent at or after this moment count towards the schedule.
    since: datetime | None = None


def escalation_subject(escalation_id: int) -> str:
    """The reminder subject of an escalation."""
    return f"escalation:{escalation_id}"


def owner_since(escalation: Escalation) -> datetime:
    """When the current owner got the escalation (opened, handed off or re-routed)."""
    return escalation.updated_at or escalation.created_at


def ack_window(escalation: Escalation) -> timedelta:
    """The acknowledgement window of the escalation's severity."""
    return ACK_WINDOWS.get(escalation.severity, ACK_WINDOWS[Severity.SEV3])


def escalation_schedule(escalation: Escalation) -> Schedule:
    """Reminders at 1, 2 and 4 windows after the owner got it, never closer than the step."""
    start, window = owner_since(escalation), ack_window(escalation)

    def schedule(sent: list[datetime], tz: ZoneInfo) -> datetime | None:
        k = len(sent)
        if k >= len(REMINDER_STEPS):
            return None
        due = start + window * REMINDER_STEPS[k]
        if k:
            due = max(due, sent[-1] + window * (REMINDER_STEPS[k] - REMINDER_STEPS[k - 1]))
        return due

    return schedule


def climb_due(escalation: Escalation, sent: list[datetime]) -> datetime | None:
    """When an escalation whose owner ignored three reminders climbs a tier (None: not yet)."""
    if len(sent) < len(REMINDER_STEPS):
        return None
    window = ack_window(escalation)
    gap = window * (CLIMB_AFTER - REMINDER_STEPS[-1])
    return max(owner_since(escalation) + window * CLIMB_AFTER, sent[-1] + gap)


def open_unacknowledged(db: Session) -> list[Escalation]:
    """Escalations still waiting for their owner's acknowledgement."""
    query = select(Escalation).where(Escalation.status == EscalationStatus.OPEN)
    return list(db.exec(query.order_by(col(Escalation.id))).all())


def escalation_candidates(db: Session) -> Iterator[Candidate]:
    """The owner of each unacknowledged escalation (the council members while it holds one)."""
    for escalation in open_unacknowledged(db):
        people = (
            [escalation.routed_to]
            if escalation.routed_to
            else council.member_ids(db, team_id=escalation.team_id)
        )
        for person in people:
            yield Candidate(
                kind=ReminderKind.ESCALATION,
                subject=escalation_subject(pk(escalation)),
                recipient=person,
                team_id=escalation.team_id,
                schedule=escalation_schedule(escalation),
                urgent=escalation.severity == Severity.SEV1,
                since=owner_since(escalation),
            )


def decision_owners(db: Session, workflow: Workflow) -> list[str]:
    """Who may record the weekly decision: the map's approvers, else outcome owner, else council."""
    current = queries.current_owners(db, workflow_id=pk(workflow))
    council_ids = council.member_ids(db, team_id=workflow.team_id)
    approvers = queries.rights_map(db, workflow_id=pk(workflow))[DecisionPoint.GOVERNANCE]
    people = [
        u for p in approvers[Duty.APPROVES] for u in queries.resolve_party(p, current, council_ids)
    ]
    if not people and current.outcome:
        people = [current.outcome]
    return list(dict.fromkeys(people or council_ids))


def decision_candidates(db: Session, moment: datetime) -> Iterator[Candidate]:
    """Whoever must record the decision of a thread still undecided 48 hours after it opened."""
    decided = select(Decision.session_id)
    query = (
        select(GovernanceSession, Workflow)
        .join(Workflow, col(Workflow.id) == GovernanceSession.workflow_id)
        .where(col(GovernanceSession.id).not_in(decided))
        .where(GovernanceSession.created_at <= moment - DECISION_WAIT)
        .where(GovernanceSession.created_at > moment - DECISION_LOOKBACK)
        .where(col(Workflow.archived_at).is_(None))
    )
    for session, workflow in db.exec(query).all():
        first = session.created_at + DECISION_WAIT
        for person in decision_owners(db, workflow):
            yield Candidate(
                kind=ReminderKind.DECISION,
                subject=f"session:{session.id}",
                recipient=person,
                team_id=workflow.team_id,
                schedule=lambda sent, tz, first=first: None if sent else first,
            )


def _local_morning(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, WORK_START, tzinfo=tz).astimezone(UTC)


def action_schedule(item: ActionItem) -> Schedule:
    """The day before it is due, then each day it is overdue, up to ACTION_REMINDERS_MAX."""
    due_on = item.due_on or date.max

    def schedule(sent: list[datetime], tz: ZoneInfo) -> datetime | None:
        if not sent:
            return _local_morning(due_on - timedelta(days=1), tz)
        if len(sent) >= ACTION_REMINDERS_MAX:
            return None
        return max(_local_morning(due_on + timedelta(days=1), tz), sent[-1] + timedelta(days=1))

    return schedule


def action_candidates(db: Session, moment: datetime) -> Iterator[Candidate]:
    """Owners of open follow-up actions due tomorrow (in any time zone) or overdue."""
    horizon = (moment + timedelta(days=2)).date()
    query = (
        select(ActionItem, Workflow)
        .join(Workflow, col(Workflow.id) == ActionItem.workflow_id)
        .where(ActionItem.status == ActionStatus.OPEN)
        .where(col(ActionItem.due_on).is_not(None))
        .where(col(ActionItem.due_on) <= horizon)
    )
    for item, workflow in db.exec(query).all():
        yield Candidate(
            kind=ReminderKind.ACTION,
            subject=f"action:{item.id}",
            recipient=item.owner_id,
            team_id=workflow.team_id,
            schedule=action_schedule(item),
        )


# The reminder goes 24 h before the thread opens; when that falls outside the owner's working
# hours (a Monday 09:00 opening puts it on Sunday), at the start of their last working day before.
SCORECARD_LEAD = timedelta(hours=24)
SCORECARD_LOOKAHEAD = SCORECARD_LEAD + timedelta(days=4)


def scorecard_candidates(db: Session, moment: datetime, default_zone: str) -> Iterator[Candidate]:
    """Workflow owners whose scorecard for the coming thread is incomplete 24 h before it opens."""
    by_team: dict[str, list[Workflow]] = {}
    for workflow in db.exec(select(Workflow).where(col(Workflow.archived_at).is_(None))).all():
        by_team.setdefault(workflow.team_id, []).append(workflow)
    for team_id, team_workflows in by_team.items():
        plan = settings.load_schedule(db, team_id=team_id, default_zone=default_zone)
        opening = schedule.next_opening(plan, moment)
        if moment < opening - SCORECARD_LOOKAHEAD:
            continue
        week = schedule.week_of_opening(plan, opening)
        for workflow in team_workflows:
            if not threads.needs_thread(workflow, week, opening):
                continue
            if scorecard.scorecard_week(db, workflow=workflow, schedule=plan) != week:
                continue  # last week's thread is still undecided: its scorecard comes first
            if len(scorecard.current_values(db, workflow_id=pk(workflow), week_start=week)) >= (
                len(scorecard.REPORTED)
            ):
                continue
            current = queries.current_owners(db, workflow_id=pk(workflow))
            person = current.workflow or current.outcome
            if person is None:
                continue
            deadline = opening - SCORECARD_LEAD
            yield Candidate(
                kind=ReminderKind.SCORECARD,
                subject=f"scorecard:{workflow.id}:{week.isoformat()}",
                recipient=person,
                team_id=team_id,
                schedule=lambda sent, tz, deadline=deadline: (
                    None if sent else latest_working_moment(deadline, tz)
                ),
            )
