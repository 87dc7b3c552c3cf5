"""The reminder sweep: DM whoever is owed a reminder, once, in their working hours.

Each reminder sent is a `Reminder` row written in the same transaction as its outbox message,
unique per (subject, recipient, sequence): a restart, a second replica or a re-run never sends
one twice. The message itself is rendered when it is delivered, so a reminder about something
settled in the meantime is dropped rather than sent stale.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from cadence import outbox
from cadence.errors import InvalidInput
from cadence.escalations import climb as escalation_climb
from cadence.reminders import rules
from cadence.reminders.rules import Candidate
from cadence.reminders.working_hours import (
    in_working_hours,
    user_timezones,
    workspace_timezone,
    zone,
)
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import Reminder, ReminderSnooze

SNOOZE_CHOICES: dict[str, timedelta] = {"1h": timedelta(hours=1), "1d": timedelta(days=1)}
_CHUNK = 500

# One rule per kind of reminder; each takes (db, moment, the default time zone).
RULES: list[Callable[[Session, datetime, str], Iterable[Candidate]]] = [
    lambda db, moment, tz: rules.escalation_candidates(db),
    lambda db, moment, tz: rules.decision_candidates(db, moment),
    rules.scorecard_candidates,
    lambda db, moment, tz: rules.action_candidates(db, moment),
]


@dataclass
class SweepReport:
    """What one sweep did."""

    sent: int = 0
    quiet: int = 0
    snoozed: int = 0
    climbed: int = 0
    by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def summary(self) -> str:
        """One line for logs and the CLI."""
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.by_kind.items())) or "none"
        return (
            f"sent {self.sent} ({kinds}); waiting for working hours {self.quiet}; "
            f"snoozed {self.snoozed}; climbed {self.climbed}"
        )


def candidates(db: Session, moment: datetime, default_zone: str) -> list[Candidate]:
    """Everyone who may be owed a reminder now (before schedules, snoozes and quiet hours)."""
    return [c for rule in RULES for c in rule(db, moment, default_zone)]


def sweep(db: Session, *, moment: datetime, default_zone: str) -> SweepReport:
    """Queue every reminder that is due now; safe to run as often and as many times as wanted."""
    report = SweepReport()
    found = candidates(db, moment, default_zone)
    history = _sent_times(db, {c.subject for c in found})
    snoozes = _snoozes(db, {c.subject for c in found})
    zones = _zones(db, found, default_zone)
    for candidate in found:
        key = (candidate.subject, candidate.recipient)
        snooze = snoozes.get(key)
        if snooze is not None and _stale(snooze, candidate):
            db.delete(snooze)
            del snoozes[key]
            snooze = None
        if snooze is not None and snooze.until > moment:
            report.snoozed += 1
            continue
        sent = [t for t in history[key] if candidate.since is None or t >= candidate.since]
        tz = zones[(candidate.team_id, candidate.recipient)]
        due = candidate.schedule(sent, tz)
        if snooze is not None and (not history[key] or history[key][-1] < snooze.until):
            due = snooze.until  # the snooze is over: remind again now
        if due is None or due > moment:
            continue
        if not candidate.urgent and not in_working_hours(moment, tz):
            report.quiet += 1
            continue
        if _send(db, candidate, sequence=len(history[key]) + 1, nth=len(sent) + 1):
            report.sent += 1
            report.by_kind[candidate.kind.value] += 1
            history[key].append(moment)  # so the climb below counts it
        if snooze is not None:
            db.delete(snooze)
            del snoozes[key]
    held = {key for key, row in snoozes.items() if row.until > moment}
    report.climbed = escalation_climb.climb_unanswered(
        db, moment=moment, sent=history, snoozed=held, default_zone=default_zone
    )
    return report


def _stale(snooze: ReminderSnooze, candidate: Candidate) -> bool:
    """Set before the subject came (back) to this person: it belongs to an earlier round."""
    return candidate.since is not None and snooze.created_at < candidate.since


def _send(db: Session, candidate: Candidate, *, sequence: int, nth: int) -> bool:
    inserted = insert_if_absent(
        db,
        Reminder,
        key=["subject", "recipient", "sequence"],
        team_id=candidate.team_id,
        kind=candidate.kind.value,
        subject=candidate.subject,
        recipient=candidate.recipient,
        sequence=sequence,
        outbox_key=message_key(candidate.subject, candidate.recipient, sequence),
        created_at=now(),
    )
    if not inserted:
        return False  # another replica sent this one a moment ago
    outbox.render_message(
        db,
        key=message_key(candidate.subject, candidate.recipient, sequence),
        method="chat.postMessage",
        renderer=outbox.RendererName.REMINDER,
        args={
            "kind": candidate.kind.value,
            "subject": candidate.subject,
            "recipient": candidate.recipient,
            "team_id": candidate.team_id,
            "nth": nth,
        },
        team_id=candidate.team_id,
    )
    return True


def message_key(subject: str, recipient: str, sequence: int) -> str:
    """The outbox key of one reminder."""
    return f"reminder:{subject}:{recipient}:{sequence}"


# What a reminder can be about (see cadence/reminders/rules.py): the subject a snooze holds.
SUBJECT = re.compile(r"(?:escalation|session|action):\d{1,10}|scorecard:\d{1,10}:\d{4}-\d{2}-\d{2}")


def is_subject(text: str) -> bool:
    """Whether `text` names something a reminder can be about ('escalation:42', …)."""
    return SUBJECT.fullmatch(text) is not None


def snooze(db: Session, *, subject: str, recipient: str, choice: str) -> datetime:
    """Hold reminders about `subject` to `recipient` for an hour or a day; returns until when."""
    if not is_subject(subject):
        raise InvalidInput("That reminder button has lost its subject; nothing was snoozed.")
    length = SNOOZE_CHOICES.get(choice)
    if length is None:
        raise InvalidInput("You can snooze for an hour (`1h`) or a day (`1d`).")
    reminded = db.exec(
        select(Reminder.id)
        .where(Reminder.subject == subject)
        .where(Reminder.recipient == recipient)
    ).first()
    if reminded is None:
        raise InvalidInput(
            "I have not sent you a reminder about that, so there is nothing to snooze."
        )
    until = now() + length
    row = db.exec(
        select(ReminderSnooze)
        .where(ReminderSnooze.subject == subject)
        .where(ReminderSnooze.recipient == recipient)
    ).first()
    if row is None:
        inserted = insert_if_absent(
            db, ReminderSnooze, key=["subject", "recipient"], subject=subject,
            recipient=recipient, until=until, created_at=now(),
        )  # fmt: skip
        if inserted:
            return until
        row = db.exec(
            select(ReminderSnooze)
            .where(ReminderSnooze.subject == subject)
            .where(ReminderSnooze.recipient == recipient)
        ).one()
    row.until, row.created_at = until, now()
    db.add(row)
    return until


def _sent_times(db: Session, subjects: set[str]) -> dict[tuple[str, str], list[datetime]]:
    times: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    ordered = sorted(subjects)
    for start in range(0, len(ordered), _CHUNK):
        rows = db.exec(
            select(Reminder)
            .where(col(Reminder.subject).in_(ordered[start : start + _CHUNK]))
            .order_by(col(Reminder.subject), col(Reminder.recipient), col(Reminder.sequence))
        ).all()
        for row in rows:
            times[(row.subject, row.recipient)].append(row.created_at)
    return times


def _snoozes(db: Session, subjects: set[str]) -> dict[tuple[str, str], ReminderSnooze]:
    found: dict[tuple[str, str], ReminderSnooze] = {}
    ordered = sorted(subjects)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for row in db.exec(
            select(ReminderSnooze).where(col(ReminderSnooze.subject).in_(chunk))
        ).all():
            found[(row.subject, row.recipient)] = row
    return found


def _zones(
    db: Session, found: list[Candidate], default_zone: str
) -> dict[tuple[str, str], ZoneInfo]:
    zones: dict[tuple[str, str], ZoneInfo] = {}
    teams: dict[str, set[str]] = defaultdict(set)
    for candidate in found:
        teams[candidate.team_id].add(candidate.recipient)
    for team_id, people in teams.items():
        fallback = workspace_timezone(db, team_id=team_id, default=default_zone)
        for person, tz in user_timezones(db, team_id=team_id, user_ids=people).items():
            zones[(team_id, person)] = zone(tz, fallback)
    return zones
