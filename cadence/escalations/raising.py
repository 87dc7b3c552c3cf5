"""Escalations: recorded first, then routed by the decision-rights map."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sqlmodel import Session, select

from cadence import audit
from cadence.accountability import council, queries, rights
from cadence.accountability.authority import COUNCIL_MATTERS
from cadence.errors import InvalidInput
from cadence.escalations import guardrails, messages, visibility
from cadence.text import quote
from cadence.vocabulary import CouncilMatter, DecisionPoint, Duty, EscalationStatus, Severity
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import Escalation, EscalationEvent, Workflow, pk

SUMMARY_MAX, DETAILS_MAX, LINK_MAX, VIA_MAX = 300, 3000, 500, 200

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


# 'sev2', 'sev-2', 'SEV 2', 'Sev_1', 'severity 3': what people type for a severity.
SEVERITY_SPELLING = re.compile(r"sev(?:erity)?[\s_-]*([1-4])", re.IGNORECASE)


def parse_severity(text: str) -> Severity:
    """The severity a person typed, in any common spelling, or InvalidInput."""
    match = SEVERITY_SPELLING.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(
            f"{quote(text)} is not a severity: use sev-1, sev-2, sev-3 or sev-4.", field="severity"
        )
    return Severity(f"sev{match.group(1)}")


@dataclass(frozen=True)
class Report:
    """What the reporter said: the workflow, the kind of decision, how bad, what happened."""

    workflow: Workflow
    point: DecisionPoint
    matter: CouncilMatter | None
    severity: Severity
    summary: str
    details: str | None = None
    link: str | None = None
    confidential: bool = False


@dataclass(frozen=True)
class Route:
    """Who holds an escalation: one owner, or the council when `owner` is None."""

    owner: str | None
    via: str
    council_holds: bool = False
    co_approvers: list[str] = field(default_factory=list)


@dataclass
class Raised:
    """An escalation, and whether it already existed under that idempotency key."""

    escalation: Escalation
    duplicate: bool


def classify(tag: str | None) -> tuple[DecisionPoint, CouncilMatter | None]:
    """The decision point (and council matter, if any) a tag names; default: incident response."""
    if tag is None:
        return DecisionPoint.INCIDENT_RESPONSE, None
    kind = KIND_TAGS.get(tag.lower().lstrip("#"))
    if kind is None:
        known = ", ".join(f"#{t}" for t in KIND_TAGS)
        shown = quote(tag.lstrip("#"), 40)
        raise InvalidInput(f"I don't know the kind *#{shown}*. Use one of: {known}.", field="kind")
    return kind_of(kind)


def kind_of(kind: DecisionPoint | CouncilMatter) -> tuple[DecisionPoint, CouncilMatter | None]:
    """A council matter arises at its decision point; a decision point is itself."""
    if isinstance(kind, CouncilMatter):
        return COUNCIL_MATTERS[kind], kind
    return kind, None


def kind_label(point: DecisionPoint | str, matter: CouncilMatter | str | None) -> str:
    """'Policy exception', or 'Sev-1 incident (council matter)'."""
    if matter:
        return CouncilMatter(matter).label + " (council matter)"
    return DecisionPoint(point).label


def clean_report(report: Report) -> Report:
    """The report tidied, or InvalidInput naming the field that is wrong."""
    summary = " ".join(report.summary.split())
    if not summary:
        raise InvalidInput("What happened? Please write a one-line summary.", field="summary")
    if len(summary) > SUMMARY_MAX:
        raise InvalidInput(f"Please keep the summary to {SUMMARY_MAX} characters.", field="summary")
    details = (report.details or "").strip() or None
    if details and len(details) > DETAILS_MAX:
        raise InvalidInput(f"Please keep details to {DETAILS_MAX} characters.", field="details")
    link = (report.link or "").strip() or None
    if link is not None:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in link:
            raise InvalidInput(
                "The link must be a web address starting with https://.", field="link"
            )
        if len(link) > LINK_MAX:
            raise InvalidInput(f"Please keep the link to {LINK_MAX} characters.", field="link")
    confidential = report.confidential or visibility.is_confidential_kind(report.matter)
    return Report(
        report.workflow,
        report.point,
        report.matter,
        report.severity,
        summary,
        details,
        link,
        confidential,
    )


def needs_council(matter: CouncilMatter | None, severity: Severity) -> bool:
    """Council matters and sev-1s go to the council as well as to the owner."""
    return matter is not None or severity == Severity.SEV1


def get_by_key(db: Session, *, idempotency_key: str) -> Escalation | None:
    """The escalation recorded under an idempotency key, if any."""
    query = select(Escalation).where(Escalation.idempotency_key == idempotency_key)
    return db.exec(query).first()


def raise_escalation(
    db: Session,
    *,
    report: Report,
    raised_by: str,
    source_channel_id: str | None,
    idempotency_key: str,
) -> Raised:
    """Store the escalation, route it, tell everyone; a repeated key returns the first one."""
    existing = get_by_key(db, idempotency_key=idempotency_key)
    if existing is not None:
        return Raised(existing, duplicate=True)
    report = clean_report(report)
    workflow = report.workflow
    routing = route(db, workflow=workflow, point=report.point)
    # One INSERT … ON CONFLICT DO NOTHING: two simultaneous submits store one escalation.
    inserted = insert_if_absent(
        db,
        Escalation,
        key=["idempotency_key"],
        idempotency_key=idempotency_key,
        team_id=workflow.team_id,
        workflow_id=workflow.id,
        decision_point=report.point.value,
        council_matter=report.matter.value if report.matter else None,
        severity=report.severity.value,
        summary=report.summary,
        details=report.details,
        link=report.link,
        raised_by=raised_by,
        source_channel_id=source_channel_id,
        routed_to=routing.owner,
        routed_via=routing.via[:VIA_MAX],
        tier=0,
        needs_council=needs_council(report.matter, report.severity),
        confidential=report.confidential,
        status=EscalationStatus.OPEN.value,
        created_at=now(),
    )
    escalation = get_by_key(db, idempotency_key=idempotency_key)
    assert escalation is not None  # inserted just now, or by the request that won the race
    if not inserted:
        return Raised(escalation, duplicate=True)
    number = pk(escalation)
    detail = {"to": routing.owner, "via": routing.via, "council_holds": routing.council_holds}
    db.add(EscalationEvent(escalation_id=number, kind="raised", actor=raised_by))
    db.add(EscalationEvent(escalation_id=number, kind="routed", actor=raised_by, detail=detail))
    audit.record(
        db,
        team_id=workflow.team_id,
        actor=raised_by,
        action="escalation.raised",
        workflow_id=workflow.id,
        escalation_id=number,
        point=report.point.value,
        council_matter=report.matter.value if report.matter else None,
        severity=report.severity.value,
        confidential=report.confidential,
        **detail,
    )
    messages.announce(db, escalation, workflow, co_approvers=routing.co_approvers)
    guardrails.tell_council(db, escalation, workflow, skip=messages.holders(db, escalation))
    return Raised(escalation, duplicate=False)


def route(db: Session, *, workflow: Workflow, point: DecisionPoint) -> Route:
    """The map's approver for the point; else the workflow owner, the outcome owner, the council."""
    council_ids = council.member_ids(db, team_id=workflow.team_id)
    current = queries.current_owners(db, workflow_id=pk(workflow))
    approvers = queries.rights_map(db, workflow_id=pk(workflow))[point][Duty.APPROVES]
    held = [p for p in approvers if queries.resolve_party(p, current, council_ids)]
    if held:
        via = "approver: " + ", ".join(rights.party_label(p) for p in approvers)
        people = [
            u
            for p in held
            if p != queries.COUNCIL
            for u in queries.resolve_party(p, current, council_ids)
        ]
        people = list(dict.fromkeys(people))
        if held[0] == queries.COUNCIL:
            return Route(None, via, council_holds=True, co_approvers=people)
        return Route(people[0], via, co_approvers=people[1:])
    for label, user in (("workflow owner", current.workflow), ("outcome owner", current.outcome)):
        if user:
            return Route(user, f"{label} (no approver set)")
    if council_ids:
        return Route(None, "AI council (no owners)", council_holds=True)
    return Route(None, "nobody")
