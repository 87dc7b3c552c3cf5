"""Jobs by name: run by hand or by the scheduler, and only triggered jobs are scheduled."""

from __future__ import annotations

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.app import build_deliverer
from bot.jobs import JOBS, Job, JobRuntime, run_job
from bot.scheduler import build_scheduler, run_scheduled
from slackfake import FakeSlack
from tests.conftest import make_settings


@pytest.fixture
def runtime(fake_slack: FakeSlack, engine: Engine) -> JobRuntime:
    """What a job gets, on a migrated SQLite database, in Paris time."""
    settings = make_settings(fake_slack, str(engine.url), cadence_timezone="Europe/Paris")
    return JobRuntime(settings, engine, build_deliverer(settings, engine))


def counting_job(runs: list[str], **extra: object) -> Job:
    """A job that records each run."""

    def run(_runtime: JobRuntime) -> str:
        runs.append("ran")
        return f"run {len(runs)}"

    return Job(
        name="weekly-governance",
        description="Open this week's governance threads.",
        run=run,
        **extra,  # type: ignore[arg-type]
    )


def test_a_job_runs_every_time_it_is_run(runtime):
    runs: list[str] = []
    job = counting_job(runs)

    assert run_job(job, runtime) == "run 1"
    assert run_job(job, runtime) == "run 2"
    assert runs == ["ran", "ran"]


def test_deliver_outbox_job_reports_what_it_sent(runtime):
    assert run_job(JOBS["deliver-outbox"], runtime) == ("sent 0, retrying 0, failed 0, deferred 0")


def test_scheduler_adds_only_jobs_with_a_trigger(runtime, monkeypatch):
    scheduled = counting_job([], trigger={"trigger": "cron", "day_of_week": "mon", "hour": 9})
    manual = Job(name="manual-only", description="Run by hand.", run=lambda _r: "done")
    # Swap the registry's contents, not the name: bot.scheduler imported the dict itself.
    for name in list(JOBS):
        monkeypatch.delitem(JOBS, name)
    for job in (scheduled, manual):
        monkeypatch.setitem(JOBS, job.name, job)

    scheduler = build_scheduler(runtime)

    [added] = scheduler.get_jobs()
    assert added.id == "weekly-governance"
    assert added.args == (scheduled, runtime)
    assert added.func is run_scheduled
    assert added.max_instances == 1
    assert added.coalesce is True
    assert isinstance(added.trigger, CronTrigger)
    assert str(added.trigger.timezone) == "Europe/Paris"


def test_a_scheduled_job_with_the_database_out_of_reach_logs_one_line(runtime, caplog):
    """The scheduler's run: one warning naming the job, no traceback; it runs at its next time.
    By hand (`cadence-bot jobs run`) the error still propagates, so the command fails."""

    def unreachable(_runtime: JobRuntime) -> str:
        refused = ConnectionRefusedError("connection refused")
        raise OperationalError("SELECT 1", {}, refused)

    job = Job(name="reminders", description="Remind.", run=unreachable)
    run_scheduled(job, runtime)

    [line] = [r for r in caplog.records if r.name == "bot.scheduler"]
    assert line.levelname == "WARNING" and line.exc_info is None
    assert line.getMessage() == ("Job reminders skipped, database unreachable: connection refused")
    with pytest.raises(OperationalError):
        run_job(job, runtime)


def test_shipped_untriggered_jobs_are_not_scheduled(runtime):
    scheduler = build_scheduler(runtime)

    scheduled = {job.id for job in scheduler.get_jobs()}
    assert "deliver-outbox" not in scheduled, "the outbox worker delivers continuously"
    assert scheduled == {name for name, job in JOBS.items() if job.trigger}


def test_governance_threads_are_opened_every_minute_and_at_start_up(runtime, frozen_clock):
    from datetime import UTC, datetime, timedelta

    scheduler = build_scheduler(runtime)

    job = scheduler.get_job("open-governance-threads")
    assert job.trigger.interval == timedelta(minutes=1)
    assert job.next_run_time is not None
    assert abs(job.next_run_time - datetime.now(UTC)) < timedelta(seconds=30)
    assert run_job(JOBS["open-governance-threads"], runtime).startswith("opened 0 thread(s)")
