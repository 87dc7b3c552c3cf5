"""The monthly council report: made once per workspace and month, sent through the outbox,
and shown on demand for any past period."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority, council
from cadence.errors import NotAuthorized
from cadence.evidence.counting import compute_report
from cadence.evidence.figures import ReportFigures
from cadence.evidence.periods import Period, month_of, report_due
from cadence.outbox import RendererName
from cadence.people import Person
from cadence.reminders.working_hours import workspace_timezone
from cadence.vocabulary import OwnerRole
from storage.audit_verify import verify_chain
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import CouncilReport, OwnerAssignment, Workflow

SYSTEM_ACTOR = "cadence"


def report_teams(db: Session) -> list[str]:
    """Every workspace that has workflows (the ones a report may be due for)."""
    return list(db.exec(select(Workflow.team_id).distinct()).all())


def make_report_if_due(db: Session, *, team_id: str, default_zone: str) -> str | None:
    """Make and queue last month's report if due: its period when made now, "" if it was made
    before, None if not due. Safe in any number of processes at once: the report is unique
    per (workspace, month) and its messages are written in the caller's transaction with it."""
    timezone = workspace_timezone(db, team_id=team_id, default=default_zone)
    moment = now()
    period = month_of(moment.astimezone(ZoneInfo(timezone)).date()).previous()
    if moment < report_due(period, timezone) or not _existed(db, team_id, period, timezone):
        return None
    if _stored(db, team_id, period) is not None:
        return ""
    figures = with_audit_check(
        db, compute_report(db, team_id=team_id, period=period, timezone=timezone)
    )
    channel = council.council_channel(db, team_id=team_id)
    recipients = [channel] if channel else council.member_ids(db, team_id=team_id)
    inserted = insert_if_absent(
        db,
        CouncilReport,
        key=["team_id", "period"],
        team_id=team_id,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        timezone=timezone,
        figures=figures.model_dump(mode="json"),
        recipients=recipients,
        created_at=moment,
    )
    if not inserted:
        return ""  # another process made it a moment ago
    report = _stored(db, team_id, period)
    assert report is not None
    for recipient in recipients:
        outbox.render_message(
            db,
            key=f"council-report:{report.id}:{recipient}",
            method="chat.postMessage",
            renderer=RendererName.COUNCIL_REPORT,
            args={"report_id": report.id, "channel": recipient},
            team_id=team_id,
        )
    audit.record(
        db,
        team_id=team_id,
        actor=SYSTEM_ACTOR,
        action="council.report_made",
        period=period.key,
        report_id=report.id,
        recipients=recipients,
    )
    return period.key


def _existed(db: Session, team_id: str, period: Period, timezone: str) -> bool:
    """Whether the workspace had a workflow before the period ended (else there is no report)."""
    _, end = period.bounds(timezone)
    first = db.exec(
        select(Workflow.created_at)
        .where(Workflow.team_id == team_id)
        .order_by(col(Workflow.created_at))
    ).first()
    return first is not None and first < end


def _stored(db: Session, team_id: str, period: Period) -> CouncilReport | None:
    return db.exec(
        select(CouncilReport).where(
            CouncilReport.team_id == team_id, CouncilReport.period == period.key
        )
    ).first()


def report_scope(db: Session, *, team_id: str, person: Person) -> set[int] | None:
    """Which workflows a person may see evidence of: None for all (council members and
    workspace admins), the workflows they are outcome owner of, or NotAuthorized."""
    if person.is_workspace_admin or authority.is_council_member(
        db, team_id=team_id, user_id=person.id
    ):
        return None
    owned = set(
        db.exec(
            select(OwnerAssignment.workflow_id)
            .join(Workflow, col(Workflow.id) == col(OwnerAssignment.workflow_id))
            .where(Workflow.team_id == team_id, OwnerAssignment.user_id == person.id)
            .where(OwnerAssignment.role == OwnerRole.OUTCOME)
            .where(col(OwnerAssignment.ended_at).is_(None))
        ).all()
    )
    if not owned:
        raise NotAuthorized(
            "Sorry, the council's evidence is for AI council members, workspace admins and "
            "outcome owners (who see their own workflows)."
        )
    return owned


def report_for(
    db: Session, *, team_id: str, period: Period, scope: set[int] | None, default_zone: str
) -> tuple[ReportFigures, datetime | None]:
    """The report of a period: as made at the time when there is one (and the person may see
    all of it), else counted now from the record; with when it was made (None: just now)."""
    stored = _stored(db, team_id, period) if scope is None else None
    if stored is not None:
        return ReportFigures.model_validate(stored.figures), stored.created_at
    timezone = workspace_timezone(db, team_id=team_id, default=default_zone)
    figures = compute_report(
        db, team_id=team_id, period=period, timezone=timezone, workflow_ids=scope
    )
    return with_audit_check(db, figures), None


def with_audit_check(db: Session, figures: ReportFigures) -> ReportFigures:
    """The figures, with whether the workspace's audit log verified now (and how far)."""
    checked = verify_chain(db, team_id=figures.team_id)
    newest = next((h.hash for h in checked.heads if h.team_id == figures.team_id), "")
    return figures.model_copy(
        update={
            "audit_rows": checked.rows,
            "audit_problem": checked.problem,
            "audit_newest_hash": newest,
        }
    )


def stored_figures(db: Session, *, report_id: int) -> tuple[ReportFigures, str] | None:
    """A made report's figures and its workspace, for its renderer (None if it is gone)."""
    report = db.get(CouncilReport, report_id)
    if report is None:
        return None
    return ReportFigures.model_validate(report.figures), report.team_id


def record_export(
    db: Session, *, team_id: str, actor: str, kind: str, period: str | None, rows: int
) -> None:
    """Keep, as evidence, who took which evidence out of Cadence."""
    audit.record(
        db,
        team_id=team_id,
        actor=actor,
        action="evidence.exported",
        kind=kind,
        period=period,
        rows=rows,
    )
