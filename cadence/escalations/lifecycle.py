"""An escalation's life after it is raised: acknowledged, handed off, resolved, re-routed.

Every step is timestamped, kept as an EscalationEvent and audited. Only the current owner or a
council member may act; anyone else changes nothing, but the attempt is kept as evidence
(`authorized=False`), as is a re-route that nobody with authority decided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence import audit
from cadence.accountability import authority, council
from cadence.errors import InvalidInput
from cadence.escalations import guardrails
from cadence.escalations import messages as escalation_messages
from cadence.people import Person, mention, require_assignable
from cadence.text import escape
from cadence.vocabulary import EscalationStatus
from storage.clock import now
from storage.models import Escalation, EscalationEvent, Workflow, pk

NOTE_MAX, REASON_MAX, VIA_MAX = 3000, 500, 200
UNAUTHORIZED = "unauthorized_attempt"


@dataclass(frozen=True)
class Step:
    """What an attempt to act did, and what to tell the person who tried."""

    escalation: Escalation
    changed: bool
    message: str
    refused: bool = False


def acknowledge(db: Session, *, escalation: Escalation, actor: str) -> Step:
    """The owner (or a council member) has seen it and is on it."""
    if (early := early_answer(db, escalation, actor, "acknowledge")) is not None:
        return early
    if (moot := _already(escalation, EscalationStatus.ACKNOWLEDGED)) is not None:
        return moot
    if not _claim(db, escalation):
        return _changed_meanwhile(db, escalation, "acknowledge", _already_acknowledged)
    moment = now()
    took_over = escalation.routed_to is None
    if took_over:  # the council held it: the member who answers becomes its owner
        escalation.routed_to, escalation.routed_via = actor, "AI council member who acknowledged"
    escalation.status = EscalationStatus.ACKNOWLEDGED
    escalation.acknowledged_at, escalation.acknowledged_by = moment, actor
    if escalation.ack_latency_seconds is None:  # decision latency counts the first answer
        escalation.ack_latency_seconds = _seconds_since(escalation, moment)
    event = _record(db, escalation, "acknowledged", actor, took_over=took_over)
    _tell(db, escalation, event, f"{mention(actor)} acknowledged escalation #{escalation.id}.")
    return Step(escalation, True, f":eyes: You acknowledged escalation #{escalation.id}.")


def resolve(db: Session, *, escalation: Escalation, actor: str, note: str) -> Step:
    """Close it with a resolution note; the reporter is told."""
    if (early := early_answer(db, escalation, actor, "resolve")) is not None:
        return early
    note = note.strip()
    if not note:
        raise InvalidInput("Please say how it was resolved.", field="note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Please keep the note to {NOTE_MAX} characters.", field="note")
    if not _claim(db, escalation):
        return _changed_meanwhile(db, escalation, "resolve", lambda _: None)
    moment = now()
    escalation.status = EscalationStatus.RESOLVED
    escalation.resolved_at, escalation.resolved_by, escalation.resolution = moment, actor, note
    escalation.resolve_latency_seconds = _seconds_since(escalation, moment)
    event = _record(db, escalation, "resolved", actor, note=note)
    _tell(
        db,
        escalation,
        event,
        f":white_check_mark: {mention(actor)} resolved escalation #{escalation.id}: {escape(note)}",
    )
    escalation_messages.tell_reporter_resolved(db, escalation, _workflow(db, escalation))
    return Step(escalation, True, f":white_check_mark: Escalation #{escalation.id} is resolved.")


def hand_off(db: Session, *, escalation: Escalation, actor: str, to: Person, reason: str) -> Step:
    """An explicit transfer of authority to another person, who must acknowledge it afresh."""
    if (early := early_answer(db, escalation, actor, "hand off")) is not None:
        return early

    def owned(escalation: Escalation) -> Step | None:
        if to.id != escalation.routed_to:
            return None
        message = f"{to.mention} already owns escalation #{escalation.id}; nothing changed."
        return Step(escalation, False, message)

    if (moot := owned(escalation)) is not None:
        return moot
    require_assignable(to)
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Please give a reason for the hand-off.", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Please keep the reason to {REASON_MAX} characters.", field="reason")
    if not _claim(db, escalation):
        return _changed_meanwhile(db, escalation, "hand off", owned)
    previous = escalation.routed_to
    # The new owner's message says why it came to them.
    via = f"handed off by {mention(actor)}: {escape(reason[:120])}"
    escalation.routed_to, escalation.routed_via = to.id, via[:VIA_MAX]
    escalation.status = EscalationStatus.OPEN
    event = _record(
        db, escalation, "handed_off", actor, **{"from": previous, "to": to.id}, reason=reason
    )
    _tell(
        db,
        escalation,
        event,
        f":arrow_right: {mention(actor)} handed escalation "
        f"#{escalation.id} to {to.mention}: {escape(reason)}",
    )
    escalation_messages.send_owner_dm(db, escalation, to.id, event_id=event.id)
    return Step(escalation, True, f"Handed escalation #{escalation.id} to {to.mention}.")


def reroute(
    db: Session, *, escalation: Escalation, to: str | None, reason: str, actor: str
) -> None:
    """Move it to `to` (None: the council) one tier up, without an explicit transfer."""
    if escalation.status == EscalationStatus.RESOLVED or to == escalation.routed_to:
        return
    previous = escalation.routed_to
    escalation.routed_to = to
    escalation.routed_via = f"re-routed: {escape(reason)}"[:VIA_MAX]
    escalation.tier += 1
    escalation.status = EscalationStatus.OPEN
    event = _record(
        db,
        escalation,
        "rerouted",
        actor,
        authorized=False,
        **{"from": previous, "to": to},
        reason=reason,
        tier=escalation.tier,
    )
    where = mention(to) if to else "the AI council"
    _tell(
        db,
        escalation,
        event,
        f":arrows_counterclockwise: Escalation #{escalation.id} was "
        f"re-routed from {mention(previous) if previous else 'the AI council'} to {where} "
        f"without an explicit hand-off ({escape(reason)}).",
    )
    for user in [to] if to else council.member_ids(db, team_id=escalation.team_id):
        escalation_messages.send_owner_dm(db, escalation, user, event_id=event.id)


def early_answer(db: Session, escalation: Escalation, actor: str, verb: str) -> Step | None:
    """A friendly no-op for a resolved escalation, or a refusal kept as evidence; None: go on."""
    if (resolved := _already(escalation, EscalationStatus.RESOLVED)) is not None:
        return resolved
    if authority.may_act_on_escalation(db, escalation=escalation, actor_id=actor):
        held = guardrails.resolution_held(db, escalation) if verb == "resolve" else None
        return None if held is None else Step(escalation, False, held, refused=True)
    last = db.exec(
        select(EscalationEvent)
        .where(EscalationEvent.escalation_id == escalation.id)
        .order_by(col(EscalationEvent.id).desc())
    ).first()
    repeated = (
        last is not None
        and last.kind == UNAUTHORIZED
        and last.actor == actor
        and last.detail.get("action") == verb
    )
    if not repeated:  # a double click is one attempt
        event = EscalationEvent(
            escalation_id=pk(escalation),
            kind=UNAUTHORIZED,
            actor=actor,
            authorized=False,
            detail={"action": verb, "owner": escalation.routed_to},
        )
        db.add(event)
        audit.record(
            db,
            team_id=escalation.team_id,
            actor=actor,
            action="escalation.unauthorized_attempt",
            workflow_id=escalation.workflow_id,
            escalation_id=escalation.id,
            attempted=verb,
        )
        db.flush()
    message = authority.escalation_refusal(db, escalation=escalation, verb=verb)
    return Step(escalation, False, message, refused=True)


def _claim(db: Session, escalation: Escalation) -> bool:
    """A step's first write, matching only the escalation as read: of two requests at once (a
    double click; owner and council) the second waits for the first's lock, then matches none."""
    result = db.exec(  # type: ignore[call-overload]
        update(Escalation)
        .where(col(Escalation.id) == escalation.id)
        .where(col(Escalation.status) == escalation.status)
        .where(col(Escalation.routed_to).is_not_distinct_from(escalation.routed_to))
        .values(updated_at=now())
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def _changed_meanwhile(
    db: Session, escalation: Escalation, verb: str, moot: Callable[[Escalation], Step | None]
) -> Step:
    """Another request changed it first: answer from how it is now, and change nothing."""
    db.refresh(escalation)
    if (answer := _already(escalation, EscalationStatus.RESOLVED) or moot(escalation)) is not None:
        return answer
    owner = mention(escalation.routed_to) if escalation.routed_to else "the AI council"
    message = (
        f"Escalation #{escalation.id} changed meanwhile (now {escalation.status}, with {owner});"
        f" nothing changed. Please look again before you {verb} it."
    )
    return Step(escalation, False, message, refused=True)


def _already(escalation: Escalation, status: EscalationStatus) -> Step | None:
    """The friendly no-op for an escalation already acknowledged or resolved."""
    if escalation.status != status:
        return None
    resolved = status == EscalationStatus.RESOLVED
    who = mention((escalation.resolved_by if resolved else escalation.acknowledged_by) or "")
    message = f"Escalation #{escalation.id} was already {status} by {who}; nothing changed."
    return Step(escalation, False, message)


def _already_acknowledged(escalation: Escalation) -> Step | None:
    return _already(escalation, EscalationStatus.ACKNOWLEDGED)


def _record(
    db: Session,
    escalation: Escalation,
    kind: str,
    actor: str,
    *,
    authorized: bool = True,
    **detail: Any,
) -> EscalationEvent:
    escalation.updated_at = now()
    db.add(escalation)
    event = EscalationEvent(
        escalation_id=pk(escalation),
        kind=kind,
        actor=actor,
        authorized=authorized,
        detail=detail,
    )
    db.add(event)
    db.flush()
    audit.record(
        db,
        team_id=escalation.team_id,
        actor=actor,
        action=f"escalation.{kind}",
        workflow_id=escalation.workflow_id,
        escalation_id=escalation.id,
        authorized=authorized,
        **detail,
    )
    return event


def _tell(db: Session, escalation: Escalation, event: EscalationEvent, note: str) -> None:
    """Refresh the messages with buttons and note the step in the notice's thread."""
    escalation_messages.refresh(db, escalation, event_id=pk(event))
    escalation_messages.thread_note(
        db, escalation, _workflow(db, escalation), event_id=pk(event), text=note
    )


def _workflow(db: Session, escalation: Escalation) -> Workflow:
    workflow = db.get(Workflow, escalation.workflow_id)
    assert workflow is not None  # escalation.workflow_id is a foreign key
    return workflow


def _seconds_since(escalation: Escalation, moment: Any) -> int:
    return max(0, int((moment - escalation.created_at).total_seconds()))
