"""What a queued reminder is about, read when it is delivered; None once it is settled.

The reminder DM is built at delivery time, so a reminder about something acknowledged,
decided, done or handed to someone else since it was queued is dropped here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from cadence import outbox
from cadence.governance import scorecard
from cadence.governance.threads import parent_key
from cadence.vocabulary import ActionStatus, EscalationStatus, ReminderKind
from storage.clock import now
from storage.models import ActionItem, Decision, Escalation, GovernanceSession, Workflow


@dataclass(frozen=True)
class EscalationDue:
    """An escalation still open and still the recipient's to acknowledge."""

    escalation: Escalation
    workflow_name: str


@dataclass(frozen=True)
class DecisionDue:
    """A governance session still undecided; `thread` is (channel, ts) once it was posted."""

    session: GovernanceSession
    workflow_name: str
    thread: tuple[str, str] | None
    open_for: timedelta


@dataclass(frozen=True)
class ActionDue:
    """A follow-up action still open, with its due date."""

    item: ActionItem
    due_on: date
    workflow_name: str


@dataclass(frozen=True)
class ScorecardDue:
    """This week's scorecard, still missing some measures."""

    workflow: Workflow
    missing: list[str]


Due = EscalationDue | DecisionDue | ActionDue | ScorecardDue


def still_due(db: Session, *, kind: str, subject: str, recipient: str) -> Due | None:
    """What the reminder `subject` for `recipient` is about, or None if nothing is owed now."""
    readers = {
        ReminderKind.ESCALATION.value: _escalation,
        ReminderKind.DECISION.value: _decision,
        ReminderKind.ACTION.value: _action,
        ReminderKind.SCORECARD.value: _scorecard,
    }
    reader = readers.get(kind)
    return reader(db, subject, recipient) if reader else None


def _escalation(db: Session, subject: str, recipient: str) -> EscalationDue | None:
    escalation = db.get(Escalation, _id(subject))
    if escalation is None or escalation.status != EscalationStatus.OPEN:
        return None
    if escalation.routed_to not in (None, recipient):
        return None  # it changed hands since this reminder was queued
    return EscalationDue(escalation, _name(db, escalation.workflow_id))


def _decision(db: Session, subject: str, recipient: str) -> DecisionDue | None:
    session = db.get(GovernanceSession, _id(subject))
    if session is None or session.id is None:
        return None
    decided = db.exec(select(Decision.id).where(Decision.session_id == session.id)).first()
    if decided is not None:
        return None
    parent = outbox.sent_message(db, key=parent_key(session.id))
    thread = None
    if parent is not None and parent.result_channel and parent.result_ts:
        thread = (parent.result_channel, parent.result_ts)
    return DecisionDue(session, _name(db, session.workflow_id), thread, now() - session.created_at)


def _action(db: Session, subject: str, recipient: str) -> ActionDue | None:
    item = db.get(ActionItem, _id(subject))
    if item is None or item.status != ActionStatus.OPEN or item.due_on is None:
        return None
    return ActionDue(item, item.due_on, _name(db, item.workflow_id))


def _scorecard(db: Session, subject: str, recipient: str) -> ScorecardDue | None:
    _, workflow_id, week = subject.split(":")
    workflow = db.get(Workflow, int(workflow_id))
    if workflow is None or workflow.id is None or workflow.archived_at is not None:
        return None
    have = scorecard.current_values(
        db, workflow_id=workflow.id, week_start=date.fromisoformat(week)
    )
    missing = [
        spec.label for metric, spec in scorecard.REPORTED.items() if metric.value not in have
    ]
    return ScorecardDue(workflow, missing) if missing else None


def _name(db: Session, workflow_id: int | None) -> str:
    workflow = db.get(Workflow, workflow_id) if workflow_id is not None else None
    return workflow.name if workflow is not None else "?"


def _id(subject: str) -> int:
    return int(subject.split(":")[1])


def hours(span: timedelta) -> int:
    """Whole hours in `span` (for "still open, 49 hours after…")."""
    return int(span / timedelta(hours=1))
