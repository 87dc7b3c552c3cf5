"""Claims on scheduled-job runs, so several replicas run each slot once."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from cadence.clock import now
from storage.models import JobRun


def claim_job_slot(db: Session, *, job_name: str, slot: str) -> JobRun | None:
    """Insert the (job, slot) claim; None when another replica already holds it."""
    run = JobRun(job_name=job_name, slot=slot)
    try:
        with db.begin_nested():
            db.add(run)
    except IntegrityError:
        return None
    return run


def finish_job_run(db: Session, *, run: JobRun, outcome: str) -> None:
    """Record how a claimed run ended."""
    run.finished_at = now()
    run.outcome = outcome[:500]
    db.add(run)
