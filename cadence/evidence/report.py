"""The monthly council report: made once per workspace and month, sent through the outbox,
and shown on demand for any past period."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.accountability import authority, council
from cadence.errors import NotAuthorized
from cadence.evidence.counting import compute_report
from cadence.evidence.figures import ReportFigures
from cadence.evidence.periods import Period, month_of, report_due
from cadence.people import Person
from cadence.reminders.working_hours import workspace_timezone
from storage.clock import now
from storage.db import insert_if_absent, session_scope
from storage.models import CouncilReport, OwnerAssignment, Workflow

RENDERER = "evidence.council_report"
SYSTEM_ACTOR = "cadence"


@dataclass
class ReportRun:
    """What one run of the monthly report job did."""

    made: list[str] = field(default_factory=list)  # "T123 2026-11"
    already: int = 0

    def summary(self) -> str:
        """One line for logs and the CLI."""
        made = ", ".join(self.made) or "none"
        return f"made {len(self.made)} report(s) ({made}), {self.already} already made"


def make_due_reports(engine: Engine, *, default_timezone: str) -> ReportRun:
    """Make and send last month's report of every workspace where it is due and not yet made.

    Safe in any number of processes at once: the report is unique per (workspace, month) and
    its messages are written in the transaction that inserts it.
    """
    run = ReportRun()
    with session_scope(engine) as db:
        teams = db.exec(select(Workflow.team_id).distinct()).all()
    for team_id in teams:
        with session_scope(engine) as db:
            made = make_report_if_due(db, team_id=team_id, default_timezone=default_timezone)
        if made is None:
            continue
        if made:
            run.made.append(f"{team_id} {made}")
        else:
            run.already += 1
    return run


def make_report_if_due(db: Session, *, team_id: str, default_timezone: str) -> str | None:
    """Last month's report if due: its period when made now, "" if made before, None if not due."""
    timezone = workspace_timezone(db, team_id=team_id, default=default_timezone)
    moment = now()
    period = month_of(moment.astimezone(ZoneInfo(timezone)).date()).previous()
    if moment < report_due(period, timezone) or not _existed(db, team_id, period, timezone):
        return None
    if _stored(db, team_id, period) is not None:
        return ""
    figures = compute_report(db, team_id=team_id, period=period, timezone=timezone)
    channel = council.council_channel(db, team_id=team_id)
    recipients = [channel] if channel else council.member_ids(db, team_id=team_id)
    inserted = insert_if_absent(
        db, CouncilReport, key=["team_id", "period"], team_id=team_id, period=period.key,
        period_start=period.start, period_end=period.end, timezone=timezone,
        figures=figures.model_dump(mode="json"), recipients=recipients, created_at=moment,
    )  # fmt: skip
    if not inserted:
        return ""  # another process made it a moment ago
    report = _stored(db, team_id, period)
    assert report is not None
    for recipient in recipients:
        outbox.render_message(
            db, key=f"council-report:{report.id}:{recipient}", method="chat.postMessage",
            renderer=RENDERER, args={"report_id": report.id, "channel": recipient},
            team_id=team_id,
        )  # fmt: skip
    audit.record(db, team_id=team_id, actor=SYSTEM_ACTOR, action="council.report_made",
                 period=period.key, report_id=report.id, recipients=recipients)  # fmt: skip
    return period.key


def _existed(db: Session, team_id: str, period: Period, timezone: str) -> bool:
    """Whether the workspace had a workflow before the period ended (else there is no report)."""
    _, end = period.bounds(timezone)
    first = db.exec(
        select(Workflow.created_at)
        .where(Workflow.team_id == team_id)
        .order_by(col(Workflow.created_at))
    ).first()  # fmt: skip
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
    owned = set(db.exec(
        select(OwnerAssignment.workflow_id)
        .join(Workflow, col(Workflow.id) == col(OwnerAssignment.workflow_id))
        .where(Workflow.team_id == team_id, OwnerAssignment.user_id == person.id)
        .where(OwnerAssignment.role == "outcome", col(OwnerAssignment.ended_at).is_(None))
    ).all())  # fmt: skip
    if not owned:
        raise NotAuthorized(
            "Sorry, the council's evidence is for AI council members, workspace admins and "
            "outcome owners (who see their own workflows)."
        )
    return owned


def report_for(
    db: Session, *, team_id: str, period: Period, scope: set[int] | None, default_timezone: str
) -> tuple[ReportFigures, datetime | None]:
    """The report of a period: as made at the time when there is one (and the person may see
    all of it), else counted now from the record; with when it was made (None: just now)."""
    stored = _stored(db, team_id, period) if scope is None else None
    if stored is not None:
        return ReportFigures.model_validate(stored.figures), stored.created_at
    timezone = workspace_timezone(db, team_id=team_id, default=default_timezone)
    figures = compute_report(
        db, team_id=team_id, period=period, timezone=timezone, workflow_ids=scope
    )
    return figures, None


def stored_figures(db: Session, *, report_id: int) -> tuple[ReportFigures, str] | None:
    """A made report's figures and its workspace, for its renderer (None if it is gone)."""
    report = db.get(CouncilReport, report_id)
    if report is None:
        return None
    return ReportFigures.model_validate(report.figures), report.team_id
