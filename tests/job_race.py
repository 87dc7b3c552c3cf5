"""One bot process of tests/test_chaos_jobs.py: Cadence's runtime (engine, outbox worker, jobs)
as `cadence-bot run` builds it, which at an agreed moment runs every scheduled job at once.

    python -m tests.job_race START_ISO READY_FILE GO_FILE

Settings come from the environment (DATABASE_URL, SLACK_API_URL…). Cadence's clock starts at
START_ISO when GO_FILE appears and runs on from there. It writes READY_FILE once built, and
prints one JSON line: when its jobs started (wall clock) and what each reported.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from sqlmodel import func, select

from bot.config import load_settings
from bot.jobs import JOBS, JobRuntime, run_job
from bot.runtime import build_runtime
from cadence.vocabulary import OutboxStatus
from storage import clock
from storage.db import session_scope
from storage.models import OutboxMessage

SETTLE_TIMEOUT = 60.0


def main(start: str, ready: Path, go: Path) -> None:
    runtime = build_runtime(load_settings(env_file=None))
    jobs = JobRuntime(runtime.settings, runtime.engine, runtime.worker.deliverer)
    moment = datetime.fromisoformat(start)
    ready.write_text("ready")
    while not go.exists():
        time.sleep(0.001)  # the barrier: both processes leave it within a few milliseconds
    began = time.monotonic()
    clock.set_clock(lambda: moment + timedelta(seconds=time.monotonic() - began))
    started_at = time.time()
    outcomes: dict[str, str] = {}

    def run(name: str) -> None:
        outcomes[name] = run_job(JOBS[name], jobs)

    threads = [threading.Thread(target=run, args=(name,)) for name in JOBS]
    for thread in threads:
        thread.start()
    runtime.worker.start()
    for thread in threads:
        thread.join()
    settle(runtime.engine)
    runtime.worker.stop()
    runtime.engine.dispose()
    print(json.dumps({"started_at": started_at, "outcomes": outcomes}), flush=True)


def settle(engine: object) -> None:
    """Wait until no outbox row is pending (the worker of either process may send it)."""
    deadline = time.monotonic() + SETTLE_TIMEOUT
    while time.monotonic() < deadline:
        with session_scope(engine) as db:  # type: ignore[arg-type]
            pending = db.exec(
                select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
            ).one()
        if not pending:
            return
        time.sleep(0.2)
    raise SystemExit(f"outbox still has {pending} pending row(s) after {SETTLE_TIMEOUT:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))
