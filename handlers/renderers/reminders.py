"""The reminder DM, built at the moment it is delivered from what is still due then."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from cadence.people import mention
from cadence.reminders import rules
from cadence.reminders.due import (
    ActionDue,
    DecisionDue,
    Due,
    EscalationDue,
    ScorecardDue,
    hours,
    still_due,
)
from cadence.text import escape
from cadence.vocabulary import SessionKind
from handlers.blocks.governance import session_name
from handlers.blocks.kit import button, slack_time
from handlers.blocks.reminders import build_reminder
from handlers.ids import ActionId, EscalationAction, ReminderAction

Rendered = dict[str, Any] | None


def render_reminder(db: Session, args: dict[str, Any]) -> Rendered:
    """The DM for one reminder, or None when it no longer applies."""
    subject, recipient = str(args["subject"]), str(args["recipient"])
    due = still_due(db, kind=str(args["kind"]), subject=subject, recipient=recipient)
    if due is None:
        return None
    return {"channel": recipient, **_message(due, subject, int(args.get("nth", 1)))}


def _message(due: Due, subject: str, nth: int) -> dict[str, Any]:
    if isinstance(due, EscalationDue):
        return _escalation(due, subject, nth)
    if isinstance(due, DecisionDue):
        return _decision(due, subject)
    if isinstance(due, ActionDue):
        return _action(due, subject)
    return _scorecard(due, subject)


def _escalation(due: EscalationDue, subject: str, nth: int) -> dict[str, Any]:
    escalation = due.escalation
    total = len(rules.REMINDER_STEPS)
    severity = escalation.severity.replace("sev", "sev-")
    text = (
        f":alarm_clock: *Reminder {min(nth, total)} of {total}:* escalation #{escalation.id} on "
        f"*{escape(due.workflow_name)}* ({severity})"
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


def _decision(due: DecisionDue, subject: str) -> dict[str, Any]:
    if due.thread is not None:
        channel, ts = due.thread
        link = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
        where = f"<{link}|the governance thread>"
    else:
        where = f"the governance thread in <#{due.session.channel_id}>"
    which = "weekly decision"
    if due.session.kind != SessionKind.WEEKLY:
        which = f"decision of {escape(session_name(due.session))}"
    text = (
        f":hourglass: The {which} on *{escape(due.workflow_name)}* "
        f"is still open, {hours(due.open_for)} hours after {where} opened. "
        "You can record it there with *Record decision*."
    )
    return build_reminder(text=text, details=[], actions=[], subject=subject)


def _action(due: ActionDue, subject: str) -> dict[str, Any]:
    text = (
        f":spiral_note_pad: Follow-up action on *{escape(due.workflow_name)}* "
        f"due *{due.due_on:%a %d %b}*:\n> {escape(due.item.description)}"
    )
    done = button("Done", action_id=ReminderAction.ACTION_DONE, value=str(due.item.id),
                  style="primary")  # fmt: skip
    return build_reminder(text=text, details=[], actions=[done], subject=subject)


def _scorecard(due: ScorecardDue, subject: str) -> dict[str, Any]:
    text = (
        f":bar_chart: This week's scorecard for *{escape(due.workflow.name)}* is not complete, "
        f"and its governance thread opens within a day. Missing: {', '.join(due.missing)}."
    )
    report = button("Report metrics", action_id=ActionId.SCORECARD_OPEN,
                    value=str(due.workflow.id), style="primary")  # fmt: skip
    return build_reminder(text=text, details=[], actions=[report], subject=subject)
