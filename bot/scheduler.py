"""The in-process scheduler (APScheduler 3) that fires the scheduled jobs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs import JOBS, JobRuntime, run_job

logger = logging.getLogger(__name__)


def build_scheduler(runtime: JobRuntime) -> BackgroundScheduler:
    """A scheduler in the workspace's time zone with every scheduled job added."""
    scheduler = BackgroundScheduler(timezone=runtime.settings.cadence_timezone)
    for job in JOBS.values():
        if not job.trigger:
            continue
        extra: dict[str, Any] = {"next_run_time": datetime.now(UTC)} if job.run_at_start else {}
        scheduler.add_job(
            run_job,
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
