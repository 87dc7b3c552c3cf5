"""Risk tier changes: a council matter raised through the escalation flow, decided by the council.

`/cadence risk WORKFLOW high: reason` changes nothing by itself: it raises a "risk tier change"
escalation (routed, reminded, audited like any other) and records the request. The tier
changes only when a council member approves it from the buttons; rejecting keeps the tier.
Either way the escalation is resolved with the decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority
from cadence.errors import Conflict, InvalidInput
from cadence.escalations import lifecycle, raising
from cadence.escalations.raising import Report, Severity
from cadence.governance import review
from cadence.people import mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, RiskTier
from storage.clock import now
from storage.models import Escalation, RiskTierRequest, Workflow, pk

REASON_MAX = 500
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
GUARDRAILS: dict[RiskTier, str] = {
    RiskTier.HIGH: (
        "the AI council is informed of every governance decision and every escalation; "
        "resolving a model-change or rollout-gate escalation first needs a council review "
        "(*Reviewed*, with a note), then the owner proceeds"
    ),
    RiskTier.MEDIUM: "no extra guardrails",
    RiskTier.LOW: (
        "the outcome owner may skip a weekly thread with a reason (recorded as a decision "
        '"skipped", never as silence)'
    ),
}


@dataclass(frozen=True)
class Decided:
    """What a council member's click did, and what to tell them."""

    changed: bool
    message: str


def pending_request(db: Session, *, workflow_id: int) -> RiskTierRequest | None:
    """The workflow's risk tier change waiting for the council, if any."""
    query = select(RiskTierRequest).where(
        RiskTierRequest.workflow_id == workflow_id, RiskTierRequest.status == PENDING
    )
    return db.exec(query).first()


def request_change(
    db: Session,
    *,
    workflow: Workflow,
    tier: RiskTier,
    reason: str,
    actor_id: str,
    source_channel_id: str | None,
    request_key: str,
) -> RiskTierRequest:
    """Raise the council matter and record the request (once per request key)."""
    existing = raising.get_by_key(db, idempotency_key=request_key)
    if existing is not None:
        return _of_escalation(db, pk(existing))
    reason = " ".join(reason.split())
    if not reason:
        raise InvalidInput("Say why: `/cadence risk Support resolution high: handles refunds`.")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"Please keep the reason to {REASON_MAX} characters.")
    if tier == workflow.risk_tier:
        raise Conflict(f"*{escape(workflow.name)}* is already {tier} risk; nothing to change.")
    review.lock_workflow(db, pk(workflow))  # one pending request per workflow, no race
    if (pending := pending_request(db, workflow_id=pk(workflow))) is not None:
        raise Conflict(
            f"A change of *{escape(workflow.name)}* to {pending.to_tier} risk is already waiting "
            f"for the council (escalation #{pending.escalation_id})."
        )
    report = Report(
        workflow, COUNCIL_POINT, CouncilMatter.RISK_TIER_CHANGE, Severity.SEV3,
        f"Risk tier change: {workflow.risk_tier} → {tier}", reason,
    )  # fmt: skip
    raised = raising.raise_escalation(db, report=report, raised_by=actor_id,
                                      source_channel_id=source_channel_id,
                                      idempotency_key=request_key)  # fmt: skip
    request = RiskTierRequest(
        team_id=workflow.team_id, workflow_id=pk(workflow),
        escalation_id=pk(raised.escalation), from_tier=workflow.risk_tier, to_tier=tier.value,
        reason=reason, requested_by=actor_id, status=PENDING, created_at=now(),
    )  # fmt: skip
    db.add(request)
    db.flush()
    audit.record(db, team_id=workflow.team_id, actor=actor_id,
                 action="risk.tier_change_requested", workflow_id=workflow.id,
                 request_id=request.id, escalation_id=request.escalation_id,
                 before=request.from_tier, after=request.to_tier, reason=reason)  # fmt: skip
    return request


COUNCIL_POINT = DecisionPoint.ROLLOUT_GATE  # where the council matter arises (COUNCIL_MATTERS)


def decide(db: Session, *, request_id: int, team_id: str, actor_id: str, approve: bool) -> Decided:
    """A council member approves (the tier changes) or rejects; the escalation is resolved."""
    request = db.get(RiskTierRequest, request_id)
    if request is None or request.team_id != team_id:
        raise InvalidInput("That risk tier change no longer exists.")
    if not authority.is_council_member(db, team_id=team_id, user_id=actor_id):
        audit.record(db, team_id=team_id, actor=actor_id, action="risk.tier_change_refused",
                     workflow_id=request.workflow_id, request_id=request.id)  # fmt: skip
        return Decided(False, "Sorry, only a member of the AI council can decide a risk tier "
                       "change. I noted the attempt; nothing changed.")  # fmt: skip
    status = APPROVED if approve else REJECTED
    claimed = db.exec(  # type: ignore[call-overload]
        update(RiskTierRequest)
        .where(col(RiskTierRequest.id) == request_id, RiskTierRequest.status == PENDING)
        .values(status=status, decided_at=now(), decided_by=actor_id)
    )
    db.refresh(request)
    if claimed.rowcount != 1:  # a double click, or another member at the same moment
        return Decided(False, f"The council already {request.status} it "
                       f"({mention(request.decided_by or '')}); nothing changed.")  # fmt: skip
    workflow = db.get(Workflow, request.workflow_id)
    escalation = db.get(Escalation, request.escalation_id)
    assert workflow is not None and escalation is not None  # foreign keys
    if approve:
        workflow.risk_tier = request.to_tier
        db.add(workflow)
    change = f"{request.from_tier} → {request.to_tier}"
    audit.record(db, team_id=team_id, actor=actor_id, action=f"risk.tier_change_{status}",
                 workflow_id=workflow.id, request_id=request.id, before=request.from_tier,
                 after=request.to_tier, tier=workflow.risk_tier)  # fmt: skip
    verdict = "Approved" if approve else "Rejected"
    lifecycle.resolve(db, escalation=escalation, actor=actor_id,
                      note=f"{verdict} by the AI council: risk tier {change}.")  # fmt: skip
    _announce(db, workflow, request, approve)
    return Decided(True, f":white_check_mark: {verdict}: *{escape(workflow.name)}* is now "
                   f"{workflow.risk_tier} risk.")  # fmt: skip


def _announce(db: Session, workflow: Workflow, request: RiskTierRequest, approve: bool) -> None:
    tier = RiskTier(workflow.risk_tier)
    if approve:
        text = (
            f":classical_building: The AI council ({mention(request.decided_by or '')}) approved "
            f"the risk tier change of *{escape(workflow.name)}*: {request.from_tier} → "
            f"{request.to_tier}. Guardrails now: {GUARDRAILS[tier]}."
        )
    else:
        text = (
            f":classical_building: The AI council ({mention(request.decided_by or '')}) "
            f"rejected the change of *{escape(workflow.name)}* to {request.to_tier} risk; it "
            f"stays {workflow.risk_tier}."
        )
    outbox.post_message(db, key=f"risk-tier:{request.id}:decided", channel=workflow.channel_id,
                        text=text, team_id=workflow.team_id)  # fmt: skip


def _of_escalation(db: Session, escalation_id: int) -> RiskTierRequest:
    query = select(RiskTierRequest).where(RiskTierRequest.escalation_id == escalation_id)
    found = db.exec(query).first()
    if found is None:
        raise Conflict("That request was already used for another escalation.")
    return found
