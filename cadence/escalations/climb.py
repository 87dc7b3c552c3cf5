"""Unanswered escalations climb: after three ignored reminders, one tier up the ladder.

The ladder is workflow owner → outcome owner → AI council. The climb is a re-route without an
explicit hand-off, so it is recorded as a change of hands without authority (see /cadence gaps)
and announced in the governance channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from cadence.accountability import council, queries
from cadence.escalations import lifecycle
from cadence.reminders import rules
from cadence.reminders.working_hours import in_working_hours, workspace_timezone, zone
from cadence.vocabulary import EscalationStatus, Severity
from storage.models import Escalation, pk

SYSTEM_ACTOR = "cadence"


def next_tier(db: Session, escalation: Escalation) -> tuple[str | None, str] | None:
    """(the next owner, or None for the council; their role) — None when nowhere is higher."""
    owner = escalation.routed_to
    if owner is None:
        return None  # the council holds it already
    current = queries.current_owners(db, workflow_id=escalation.workflow_id)
    ladder = [(current.workflow, "workflow owner"), (current.outcome, "outcome owner")]
    start = 2 if owner == current.outcome else 1 if owner == current.workflow else 0
    for person, role in ladder[start:]:
        if person and person != owner:
            return person, role
    if council.member_ids(db, team_id=escalation.team_id):
        return None, "AI council"
    return None


def climb_unanswered(
    db: Session,
    *,
    moment: datetime,
    sent: dict[tuple[str, str], list[datetime]],
    snoozed: set[tuple[str, str]],
    default_zone: str,
) -> int:
    """Move every escalation whose owner ignored three reminders one tier up; how many moved.

    An owner who snoozed the reminder has answered it: the climb waits for the snooze to end.
    """
    climbed = 0
    for escalation in rules.open_unacknowledged(db):
        if escalation.routed_to is None:
            continue
        subject = rules.escalation_subject(pk(escalation))
        since = rules.owner_since(escalation)
        if (subject, escalation.routed_to) in snoozed:
            continue
        times = [t for t in sent.get((subject, escalation.routed_to), []) if t >= since]
        due = rules.climb_due(escalation, times)
        if due is None or due > moment:
            continue
        if escalation.severity != Severity.SEV1:
            tz = zone(workspace_timezone(db, team_id=escalation.team_id, default=default_zone))
            if not in_working_hours(moment, tz):
                continue
        target = next_tier(db, escalation)
        if target is None or not _claim(db, escalation):
            continue
        to, role = target
        lifecycle.reroute(
            db,
            escalation=escalation,
            to=to,
            reason=f"no acknowledgement after {len(times)} reminders; climbed to the {role}",
            actor=SYSTEM_ACTOR,
        )
        climbed += 1
    return climbed


def _claim(db: Session, escalation: Escalation) -> bool:
    """Only one sweep climbs a given tier, even when two replicas sweep at once."""
    result = db.exec(  # type: ignore[call-overload]
        update(Escalation)
        .where(col(Escalation.id) == escalation.id)
        .where(col(Escalation.tier) == escalation.tier)
        .where(col(Escalation.routed_to) == escalation.routed_to)
        .where(col(Escalation.status) == EscalationStatus.OPEN)
        .values(tier=escalation.tier)
    )
    return bool(result.rowcount == 1)
