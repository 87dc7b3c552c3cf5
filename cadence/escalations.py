"""Escalations: recorded first, then routed by the decision-rights map."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from cadence import audit, council, outbox, owners, rights
from cadence.authority import COUNCIL_MATTERS
from cadence.errors import InvalidInput
from cadence.people import mention
from cadence.text import escape
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty
from storage.models import Escalation, EscalationEvent, Workflow

SUMMARY_MAX = 300

# Tags people put in /escalate text, and what they mean.
KIND_TAGS: dict[str, DecisionPoint | CouncilMatter] = {
    "model-change": DecisionPoint.MODEL_CHANGE, "model": DecisionPoint.MODEL_CHANGE,
    "policy-exception": DecisionPoint.POLICY_EXCEPTION, "policy": DecisionPoint.POLICY_EXCEPTION,
    "incident": DecisionPoint.INCIDENT_RESPONSE, "rollout": DecisionPoint.ROLLOUT_GATE,
    "rollout-gate": DecisionPoint.ROLLOUT_GATE, "budget": DecisionPoint.BUDGET,
    "compliance": DecisionPoint.COMPLIANCE, "governance": DecisionPoint.GOVERNANCE,
    "sev1": CouncilMatter.SEV1_INCIDENT, "sev-1": CouncilMatter.SEV1_INCIDENT,
    "budget-overrun": CouncilMatter.BUDGET_OVERRUN,
    "compliance-exception": CouncilMatter.COMPLIANCE_EXCEPTION,
    "major-pivot": CouncilMatter.MAJOR_PIVOT, "pivot": CouncilMatter.MAJOR_PIVOT,
    "risk-tier": CouncilMatter.RISK_TIER_CHANGE, "risk-tier-change": CouncilMatter.RISK_TIER_CHANGE,
    "external-commitment": CouncilMatter.EXTERNAL_COMMITMENT,
}  # fmt: skip


@dataclass
class Raised:
    """An escalation and whom it went to."""

    escalation: Escalation
    routed_to: list[str]
    duplicate: bool


def classify(tag: str | None) -> tuple[DecisionPoint, CouncilMatter | None]:
    """The decision point (and council matter, if any) a tag names; default: incident response."""
    if tag is None:
        return DecisionPoint.INCIDENT_RESPONSE, None
    kind = KIND_TAGS.get(tag.lower().lstrip("#"))
    if kind is None:
        known = ", ".join(f"#{t}" for t in KIND_TAGS)
        shown = escape(tag.lstrip("#"))
        raise InvalidInput(f"I don't know the kind *#{shown}*. Use one of: {known}.")
    if isinstance(kind, CouncilMatter):
        return COUNCIL_MATTERS[kind], kind
    return kind, None


def raise_escalation(
    db: Session,
    *,
    workflow: Workflow,
    summary: str,
    tag: str | None,
    raised_by: str,
    source_channel_id: str | None,
    idempotency_key: str,
) -> Raised:
    """Record the escalation and its routing; a repeated key returns the first one unchanged."""
    existing = db.exec(
        select(Escalation).where(Escalation.idempotency_key == idempotency_key)
    ).first()
    if existing is not None:
        routed = db.exec(
            select(EscalationEvent).where(
                EscalationEvent.escalation_id == existing.id, EscalationEvent.kind == "routed"
            )
        ).first()
        return Raised(existing, list(routed.detail.get("to", [])) if routed else [], True)
    summary = " ".join(summary.split())
    if not summary:
        raise InvalidInput("What happened? e.g. `/escalate Support resolution: refunds bot "
                           "promised credits #policy-exception`")  # fmt: skip
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput(f"Please keep the summary to {SUMMARY_MAX} characters.")
    point, matter = classify(tag)
    routed_to, via = route(db, workflow=workflow, point=point, matter=matter)
    escalation = Escalation(
        team_id=workflow.team_id, workflow_id=workflow.id or 0, decision_point=point,
        council_matter=matter, summary=summary, raised_by=raised_by,
        source_channel_id=source_channel_id, routed_to=routed_to[0] if routed_to else None,
        needs_council=matter is not None, idempotency_key=idempotency_key,
    )  # fmt: skip
    db.add(escalation)
    db.flush()
    detail = {"to": routed_to, "via": via}
    db.add(EscalationEvent(escalation_id=escalation.id or 0, kind="raised", actor=raised_by))
    db.add(EscalationEvent(escalation_id=escalation.id or 0, kind="routed", actor=raised_by,
                           detail=detail))  # fmt: skip
    audit.record(db, team_id=workflow.team_id, actor=raised_by, action="escalation.raised",
                 workflow_id=workflow.id, escalation_id=escalation.id, point=point.value,
                 council_matter=matter.value if matter else None, **detail)  # fmt: skip
    _announce(db, workflow, escalation, routed_to, via)
    return Raised(escalation, routed_to, duplicate=False)


def route(
    db: Session, *, workflow: Workflow, point: DecisionPoint, matter: CouncilMatter | None
) -> tuple[list[str], str]:
    """Who decides: the council for council matters, else the map's approver, with fallbacks."""
    council_ids = council.member_ids(db, team_id=workflow.team_id)
    if matter is not None and council_ids:
        return council_ids, "AI council"
    current = owners.current_owners(db, workflow_id=workflow.id or 0)
    approvers = rights.rights_map(db, workflow_id=workflow.id or 0)[point][Duty.APPROVES]
    people = [u for p in approvers for u in rights.resolve_party(p, current, council_ids)]
    if people:
        return list(dict.fromkeys(people)), "approver: " + ", ".join(
            rights.party_label(p) for p in approvers
        )
    for label, user in (("outcome owner", current.outcome), ("workflow owner", current.workflow)):
        if user:
            return [user], f"{label} (no approver set)"
    return (council_ids, "AI council (no owners)") if council_ids else ([], "nobody")


def _announce(
    db: Session, workflow: Workflow, escalation: Escalation, routed_to: list[str], via: str
) -> None:
    kind = DecisionPoint(escalation.decision_point).label
    if escalation.council_matter:
        kind = CouncilMatter(escalation.council_matter).label + " (council matter)"
    head = f":rotating_light: Escalation on *{escape(workflow.name)}* — {kind}"
    body = f"> {escape(escalation.summary)}\nRaised by {mention(escalation.raised_by)}."
    for user in routed_to:
        outbox.post_message(db, key=f"escalation:{escalation.id}:dm:{user}", channel=user,
                            text=f"{head}\n{body}\nIt comes to you as {via}.")  # fmt: skip
    who = ", ".join(mention(u) for u in routed_to) or ":warning: nobody — the map has a gap"
    outbox.post_message(db, key=f"escalation:{escalation.id}:notice", channel=workflow.channel_id,
                        text=f"{head}\n{body}\nRouted to {who} ({via}).")  # fmt: skip
