"""A small record with awkward text in every kind, written straight to the tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from storage import audit_chain
from storage.models import (
    ActionItem,
    AuditEvent,
    Decision,
    Escalation,
    EscalationEvent,
    GovernanceSession,
    ScorecardEntry,
    Vote,
    Workflow,
    WorkspaceSettings,
)

TEAM, OTHER_TEAM = "T0TEAM", "T0OTHER"
PARIS = "Europe/Paris"
FORMULA = '=HYPERLINK("http://evil.example","click me")'
AWKWARD = [
    FORMULA,
    "+1 for the rollback, -2 for the delay",
    "-40% exceptions since Monday",
    "@channel please look",
    "'already quoted",
    'Comma, "quotes" and a | pipe',
    "Two lines\nsecond line",
    "Zoë\u2019s résumé — ✓ ünïcødé",
]
NOV_2 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def seed_record(db: Session) -> dict[str, int]:
    """Two workflows in a Paris workspace (and one elsewhere), a row of every kind per text."""
    db.add(WorkspaceSettings(team_id=TEAM, timezone=PARIS))
    support = _workflow(db, "Support resolution", TEAM)
    renewals = _workflow(db, "Renewal risk", TEAM)
    elsewhere = _workflow(db, "Support resolution", OTHER_TEAM)
    for index, text in enumerate(AWKWARD):
        workflow = [support, renewals, elsewhere][index % 3]
        moment = NOV_2 + timedelta(days=3 * index, hours=index)
        _activity(db, workflow, text, moment, index)
    db.commit()
    return {"support": support.id or 0, "renewals": renewals.id or 0, "other": elsewhere.id or 0}


def _workflow(db: Session, name: str, team_id: str) -> Workflow:
    workflow = Workflow(
        team_id=team_id,
        name=name,
        name_key=name.casefold(),
        channel_id="CGOV",
        created_by="UADMIN",
        created_at=NOV_2 - timedelta(days=30),
    )
    db.add(workflow)
    db.flush()
    return workflow


def _activity(db: Session, workflow: Workflow, text: str, moment: datetime, index: int) -> None:
    wid = workflow.id or 0
    week = (moment - timedelta(days=moment.weekday())).date()
    session = GovernanceSession(
        team_id=workflow.team_id,
        workflow_id=wid,
        week_start=week,
        channel_id="CGOV",
        created_at=moment,
        status="decided",
    )
    db.add(session)
    db.flush()
    decision = Decision(
        session_id=session.id or 0,
        choice="pause",
        rationale=text,
        recorded_by="UMARIA",
        re_review_on=date(2027, 1, 4),
        latency_seconds=3600 * index,
        created_at=moment + timedelta(hours=1),
    )
    db.add(decision)
    db.add(Vote(session_id=session.id or 0, voter=f"U{index}", choice="pause", created_at=moment))
    db.flush()
    db.add(
        ActionItem(
            workflow_id=wid,
            decision_id=decision.id,
            description=text,
            owner_id="USAM",
            due_on=date(2026, 12, 1),
            created_by="UMARIA",
            created_at=moment,
        )
    )
    db.add(
        ScorecardEntry(
            workflow_id=wid,
            week_start=week,
            metric="quality",
            value=-0.5 + index,
            note=text,
            recorded_by="ULI",
            created_at=moment,
        )
    )
    escalation = Escalation(
        team_id=workflow.team_id,
        workflow_id=wid,
        decision_point="incident_response",
        severity="sev2",
        summary=text,
        details=text,
        raised_by="UEVE",
        routed_to="ULI",
        idempotency_key=f"seed:{index}",
        created_at=moment,
        needs_council=index % 2 == 0,
    )
    db.add(escalation)
    db.flush()
    db.add(
        EscalationEvent(
            escalation_id=escalation.id or 0,
            kind="handed_off",
            actor="UEVE",
            authorized=False,
            detail={"note": text},
            created_at=moment,
        )
    )
    db.add(
        EscalationEvent(
            escalation_id=escalation.id or 0, kind="routed", actor="cadence", created_at=moment
        )
    )
    audit_chain.append(
        db,
        AuditEvent(
            team_id=workflow.team_id,
            workflow_id=wid,
            actor="UMARIA",
            action="governance.decided",
            detail={"why": text, "n": index},
            created_at=moment,
        ),
    )
