"""Claims on scheduled-job runs, so several replicas run each slot once."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.clock import now
from storage.db import insert_if_absent
from storage.models import JobRun


def claim_job_slot(db: Session, *, job_name: str, slot: str) -> JobRun | None:
    """Claim the (job, slot); None when another replica already holds it."""
    claimed = insert_if_absent(
        db, JobRun, key=["job_name", "slot"], job_name=job_name, slot=slot, created_at=now()
    )
    if not claimed:
        return None
    return db.exec(select(JobRun).where(JobRun.job_name == job_name, JobRun.slot == slot)).one()


def finish_job_run(db: Session, *, run: JobRun, outcome: str) -> None:
    """Record how a claimed run ended."""
    run.finished_at = now()
    run.outcome = outcome[:500]
    db.add(run)
