"""Builds reminder DMs at the moment they are delivered, from what the database holds then.

A reminder about something settled since it was queued (acknowledged, decided, done) is dropped.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from cadence import outbox
from cadence.governance import scorecard
from cadence.people import mention
from cadence.reminders import rules
from cadence.text import escape
from cadence.vocabulary import EscalationStatus, ReminderKind, SessionKind
from handlers.blocks.governance import session_name
from handlers.blocks.kit import button, slack_time
from handlers.blocks.reminders import build_reminder
from handlers.ids import ActionId, EscalationAction, ReminderAction
from handlers.renderers import renderer
from storage.clock import now
from storage.models import ActionItem, Decision, Escalation, GovernanceSession, Workflow

Rendered = dict[str, Any] | None


@renderer("reminder")
def render_reminder(db: Session, args: dict[str, Any]) -> Rendered:
    """The DM for one reminder, or None when it no longer applies."""
    kind, subject, recipient = args["kind"], str(args["subject"]), str(args["recipient"])
    build = _BUILDERS.get(kind)
    message = build(db, subject, recipient, int(args.get("nth", 1))) if build else None
    if message is None:
        return None
    return {"channel": recipient, **message}


def _escalation(db: Session, subject: str, recipient: str, nth: int) -> Rendered:
    escalation = db.get(Escalation, _id(subject))
    if escalation is None or escalation.status != EscalationStatus.OPEN:
        return None
    if escalation.routed_to not in (None, recipient):
        return None  # it changed hands since this reminder was queued
    workflow = db.get(Workflow, escalation.workflow_id)
    total = len(rules.REMINDER_STEPS)
    severity = escalation.severity.replace("sev", "sev-")
    text = (
        f":alarm_clock: *Reminder {min(nth, total)} of {total}:* escalation #{escalation.id} on "
        f"*{escape(workflow.name if workflow else '?')}* ({severity})"
        f" is waiting for your acknowledgement.\n> {escape(escalation.summary)}"
    )
    details = [
        f"Raised by {mention(escalation.raised_by)} "
        f"{slack_time(escalation.created_at)}. If nobody acknowledges it, it climbs to the "
        "next tier after the third reminder.",
        f"See it with `/escalate show {escalation.id}`.",
    ]
    acknowledge = button("Acknowledge", action_id=EscalationAction.ACKNOWLEDGE,
                         value=str(escalation.id), style="primary")  # fmt: skip
    return build_reminder(text=text, details=details, actions=[acknowledge], subject=subject)


def _decision(db: Session, subject: str, recipient: str, nth: int) -> Rendered:
    session = db.get(GovernanceSession, _id(subject))
    if session is None or _decided(db, session.id or 0):
        return None
    workflow = db.get(Workflow, session.workflow_id)
    parent = outbox.sent_message(db, key=f"governance:{session.id}:parent")
    where = (
        f"<https://slack.com/archives/{parent.result_channel}/p{parent.result_ts.replace('.', '')}"
        f"|the governance thread>"
        if parent is not None and parent.result_channel and parent.result_ts
        else f"the governance thread in <#{session.channel_id}>"
    )
    which = "weekly decision" if session.kind == SessionKind.WEEKLY else "decision"
    if session.kind != SessionKind.WEEKLY:
        which += f" of {escape(session_name(session))}"
    text = (
        f":hourglass: The {which} on *{escape(workflow.name if workflow else '?')}* "
        f"is still open, {_hours(session.created_at)} after {where} opened. "
        "You can record it there with *Record decision*."
    )
    return build_reminder(text=text, details=[], actions=[], subject=subject)


def _action(db: Session, subject: str, recipient: str, nth: int) -> Rendered:
    item = db.get(ActionItem, _id(subject))
    if item is None or item.status != "open" or item.due_on is None:
        return None
    workflow = db.get(Workflow, item.workflow_id)
    text = (
        f":spiral_note_pad: Follow-up action on *{escape(workflow.name if workflow else '?')}* "
        f"due *{item.due_on:%a %d %b}*:\n> {escape(item.description)}"
    )
    done = button("Done", action_id=ReminderAction.ACTION_DONE, value=str(item.id),
                  style="primary")  # fmt: skip
    return build_reminder(text=text, details=[], actions=[done], subject=subject)


def _scorecard(db: Session, subject: str, recipient: str, nth: int) -> Rendered:
    _, workflow_id, week = subject.split(":")
    workflow = db.get(Workflow, int(workflow_id))
    if workflow is None or workflow.archived_at is not None:
        return None
    have = scorecard.current_values(
        db, workflow_id=workflow.id or 0, week_start=date.fromisoformat(week)
    )
    missing = [
        spec.label for metric, spec in scorecard.REPORTED.items() if metric.value not in have
    ]
    if not missing:
        return None
    text = (
        f":bar_chart: This week's scorecard for *{escape(workflow.name)}* is not complete, and its "
        f"governance thread opens within a day. Missing: {', '.join(missing)}."
    )
    report = button("Report metrics", action_id=ActionId.SCORECARD_OPEN,
                    value=str(workflow.id), style="primary")  # fmt: skip
    return build_reminder(text=text, details=[], actions=[report], subject=subject)


def _decided(db: Session, session_id: int) -> bool:
    return db.exec(select(Decision.id).where(Decision.session_id == session_id)).first() is not None


def _hours(since: datetime) -> str:
    hours = int((now() - since) / timedelta(hours=1))
    return f"{hours} hours"


def _id(subject: str) -> int:
    return int(subject.split(":")[1])


_BUILDERS = {
    ReminderKind.ESCALATION.value: _escalation,
    ReminderKind.DECISION.value: _decision,
    ReminderKind.ACTION.value: _action,
    ReminderKind.SCORECARD.value: _scorecard,
}
