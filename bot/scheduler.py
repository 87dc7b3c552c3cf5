"""The in-process scheduler (APScheduler 3) that fires the scheduled jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.exc import OperationalError

from bot.jobs import JOBS, Job, JobRuntime, run_job

logger = logging.getLogger(__name__)


def build_scheduler(runtime: JobRuntime) -> BackgroundScheduler:
    """A scheduler in the workspace's time zone with every scheduled job added."""
    scheduler = BackgroundScheduler(timezone=runtime.settings.cadence_timezone)
    for job in JOBS.values():
        if not job.trigger:
            continue
        extra: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if job.run_at_start else {}
        scheduler.add_job(
            run_scheduled,
            args=[job, runtime],
            id=job.name,
            name=job.description,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=3600,
            **job.trigger,
            **extra,
        )
    return scheduler


def run_scheduled(job: Job, runtime: JobRuntime) -> None:
    """Run a job for the scheduler; an unreachable database is one warning line, not a
    traceback: every job is safe to run again, and it runs again at its next time."""
    try:
        run_job(job, runtime)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else "OperationalError"
        logger.warning("Job %s skipped, database unreachable: %s", job.name, reason)
