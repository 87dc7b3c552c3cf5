"""What a workflow's risk tier requires of its escalations: guardrails, not gates.

On a high-risk workflow the council hears of every escalation, and a model change or rollout
gate is resolved only after a council member has reviewed it (*Reviewed*, with a note): the
owner keeps the authority to decide, but the review must happen first. A risk tier change is
resolved by the council's approval or rejection, not by the generic Resolve.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority, council
from cadence.errors import Conflict, InvalidInput, NotAuthorized
from cadence.escalations import messages
from cadence.people import mention
from cadence.text import escape
from cadence.vocabulary import DecisionPoint, EscalationStatus, RiskTier
from storage.clock import now
from storage.models import Escalation, EscalationEvent, OutboxMessage, RiskTierRequest, Workflow, pk

REVIEWED_POINTS = (DecisionPoint.MODEL_CHANGE, DecisionPoint.ROLLOUT_GATE)
NOTE_MAX = 3000
PENDING = "pending"


def council_key(number: int, user: str) -> str:
    """Outbox key of the note a council member got about an escalation on a high-risk workflow."""
    return f"escalation:{number}:council:{user}"


def needs_council_review(db: Session, escalation: Escalation) -> bool:
    """A model change or rollout gate on a high-risk workflow, not yet reviewed by the council."""
    if escalation.council_matter or escalation.council_reviewed_at is not None:
        return False
    if escalation.decision_point not in REVIEWED_POINTS:
        return False
    if escalation.status == EscalationStatus.RESOLVED:
        return False
    workflow = db.get(Workflow, escalation.workflow_id)
    return workflow is not None and workflow.risk_tier == RiskTier.HIGH


def pending_tier_change(db: Session, escalation: Escalation) -> RiskTierRequest | None:
    """The risk tier change this escalation asks the council for, while it is undecided."""
    return db.exec(
        select(RiskTierRequest).where(
            RiskTierRequest.escalation_id == escalation.id, RiskTierRequest.status == PENDING
        )
    ).first()


def resolution_held(db: Session, escalation: Escalation) -> str | None:
    """Why it cannot be resolved yet (None: it can)."""
    if pending_tier_change(db, escalation) is not None:
        return (
            f"Escalation #{escalation.id} asks the AI council for a risk tier change: a council "
            "member approves or rejects it with the buttons on its message, which resolves it. "
            "Nothing changed."
        )
    if needs_council_review(db, escalation):
        point = DecisionPoint(escalation.decision_point).label.lower()
        return (
            f"The workflow is high-risk, so a {point} escalation is resolved only after a council "
            f"review: a council member presses *Reviewed* (with a note) on escalation "
            f"#{escalation.id}, then you can resolve it. Nothing changed."
        )
    return None


def tell_council(
    db: Session, escalation: Escalation, workflow: Workflow, *, skip: list[str]
) -> None:
    """On a high-risk workflow, every council member hears of the escalation (with *Reviewed*
    when it needs their review)."""
    if workflow.risk_tier != RiskTier.HIGH:
        return
    for user in council.member_ids(db, team_id=escalation.team_id):
        if user not in skip:
            outbox.render_message(
                db,
                key=council_key(pk(escalation), user),
                method="chat.postMessage",
                renderer=outbox.RendererName.ESCALATION_COUNCIL,
                args={"escalation_id": escalation.id, "user": user},
                team_id=escalation.team_id,
            )


def record_review(db: Session, *, escalation: Escalation, actor: str, note: str) -> str:
    """A council member reviewed it, with a note: the owner may now resolve it."""
    if not authority.is_council_member(db, team_id=escalation.team_id, user_id=actor):
        raise NotAuthorized("Only a member of the AI council can review it.")
    if escalation.council_reviewed_at is not None:
        raise Conflict(_already_reviewed(escalation))
    if not needs_council_review(db, escalation):
        raise Conflict(f"Escalation #{escalation.id} does not need a council review.")
    note = note.strip()
    if not note:
        raise InvalidInput("Please note what you reviewed.", field="note")
    if len(note) > NOTE_MAX:
        raise InvalidInput(f"Please keep the note to {NOTE_MAX} characters.", field="note")
    moment = now()
    claimed = db.exec(  # type: ignore[call-overload]
        update(Escalation)
        .where(col(Escalation.id) == escalation.id, col(Escalation.council_reviewed_at).is_(None))
        .values(council_reviewed_at=moment, council_reviewed_by=actor, council_review_note=note)
    )
    if claimed.rowcount != 1:  # another member reviewed it at the same moment
        db.refresh(escalation)
        raise Conflict(_already_reviewed(escalation))
    db.refresh(escalation)
    event = EscalationEvent(
        escalation_id=pk(escalation), kind="council_reviewed", actor=actor, detail={"note": note}
    )
    db.add(event)
    db.flush()
    audit.record(
        db,
        team_id=escalation.team_id,
        actor=actor,
        action="escalation.council_reviewed",
        workflow_id=escalation.workflow_id,
        escalation_id=escalation.id,
        note=note,
    )
    _redraw(db, escalation, pk(event))
    workflow = db.get(Workflow, escalation.workflow_id)
    assert workflow is not None  # foreign key
    text = (
        f":classical_building: {mention(actor)} reviewed escalation #{escalation.id} for the "
        f"council: {escape(note)}"
    )
    messages.thread_note(db, escalation, workflow, event_id=pk(event), text=text)
    if escalation.routed_to and escalation.routed_to != actor:
        outbox.post_message(
            db,
            key=f"escalation:{escalation.id}:reviewed",
            channel=escalation.routed_to,
            text=text + "\nYou can resolve it now.",
            team_id=escalation.team_id,
        )
    return f":white_check_mark: Reviewed escalation #{escalation.id}; its owner can resolve it now."


def _redraw(db: Session, escalation: Escalation, event_id: int) -> None:
    """Show the review on the DMs, the notice and every council member's note."""
    messages.refresh(db, escalation, event_id=event_id)
    prefix = council_key(pk(escalation), "")
    keys = db.exec(
        select(OutboxMessage.idempotency_key).where(
            col(OutboxMessage.idempotency_key).startswith(prefix, autoescape=True),
            OutboxMessage.method == "chat.postMessage",
        )
    ).all()
    for key in keys:
        outbox.render_message(
            db,
            key=f"{key}:update:{event_id}",
            method="chat.update",
            renderer=outbox.RendererName.ESCALATION_COUNCIL,
            args={"escalation_id": escalation.id, "user": key[len(prefix) :]},
            of=key,
            team_id=escalation.team_id,
        )


def _already_reviewed(escalation: Escalation) -> str:
    return (
        f"Escalation #{escalation.id} was already reviewed by "
        f"{mention(escalation.council_reviewed_by or '')}; nothing changed."
    )
