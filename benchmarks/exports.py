"""Benchmark 6, export memory: `cadence-bot export` of 1,000,000 rows in constant memory.

`seed()` bulk-inserts N escalations (the widest kind: 22 columns, free text in four) with the
history benchmark's batched core INSERTs. `run_export()` runs the real command line (`bot.cli`'s
`main`) in a child process, which reports its own peak resident memory as the kernel counts it
(VmHWM, see `benchmarks/export_child.py`), so no sampling can miss a peak.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.history import WORKFLOWS, _bulk
from storage.models import Escalation, Workflow, WorkspaceSettings

ROOT = Path(__file__).resolve().parent.parent
TEAM = "T0EXPORT"
RSS_TARGET_MB = 150.0
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DETAILS = (
    "The refund assistant offered a goodwill credit above the policy limit, in writing, to a "
    "customer on the enterprise plan; finance asks whether to honour it, and whether the "
    "prompt guardrail that should have stopped it was bypassed or never deployed. "
)


def seed(engine: Engine, n: int) -> float:
    """One Paris workspace, WORKFLOWS workflows, n escalations; returns seconds."""
    started = time.monotonic()
    settings = dict(
        team_id=TEAM,
        timezone="Europe/Paris",
        governance_weekday=0,
        governance_hour=9,
        governance_minute=0,
        created_at=EPOCH,
    )
    _bulk(engine, WorkspaceSettings, iter([settings]))
    _bulk(
        engine,
        Workflow,
        (
            dict(
                id=w + 1,
                team_id=TEAM,
                name=f"Workflow {w}",
                name_key=f"workflow {w}",
                channel_id=f"C0W{w:05d}",
                risk_tier="medium",
                status="active",
                created_by="U0ADMIN",
                created_at=EPOCH,
            )
            for w in range(WORKFLOWS)
        ),
    )

    def row(i: int) -> dict[str, object]:
        raised = EPOCH + timedelta(minutes=i)
        summary = f"=SUM(A{i})" if i % 50 == 0 else f"Refund bot promised credits, case {i}"
        return dict(
            id=i + 1,
            team_id=TEAM,
            workflow_id=i % WORKFLOWS + 1,
            decision_point="policy_exception",
            severity=f"sev{i % 4 + 1}",
            summary=summary,
            details=DETAILS,
            link=f"https://support.example.com/cases/{i}",
            raised_by=f"U0P{i % 2000:05d}",
            routed_to=f"U0P{(i * 7) % 2000:05d}",
            routed_via="approver of policy exception",
            tier=i % 3,
            needs_council=i % 10 == 0,
            status="resolved",
            idempotency_key=f"seed:{i}",
            created_at=raised,
            acknowledged_at=raised + timedelta(minutes=12),
            acknowledged_by="U0P00001",
            resolved_at=raised + timedelta(hours=5),
            resolved_by="U0P00002",
            resolution="Honoured once; guardrail redeployed.",
            ack_latency_seconds=720,
            resolve_latency_seconds=18000,
        )

    _bulk(engine, Escalation, (row(i) for i in range(n)))
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.monotonic() - started


@dataclass(frozen=True)
class ExportRun:
    """One `cadence-bot export` in its own process."""

    rows: int
    seconds: float
    peak_rss_mb: float
    size_mb: float


def run_export(database_url: str, *, kind: str = "escalations", fmt: str = "csv") -> ExportRun:
    """Export every row of `kind` to a file in a child process; its peak RSS and duration."""
    with tempfile.TemporaryDirectory(prefix="cadence-export-") as cwd:
        output = Path(cwd) / f"export.{fmt}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
        env.update(PYTHONPATH=str(ROOT), DATABASE_URL=database_url, LOG_LEVEL="WARNING")
        started = time.monotonic()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.export_child",
                "export",
                kind,
                "--format",
                fmt,
                "--output",
                str(output),
            ],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        _, stderr = process.communicate()
        seconds = time.monotonic() - started
        text = stderr.decode("utf-8", "replace")
        exported, peak = re.search(r"Exported (\d+) ", text), re.search(r"VmHWM (\d+) kB", text)
        if process.returncode != 0 or exported is None or peak is None:
            raise RuntimeError(f"export exited with {process.returncode}: {text[-2000:]}")
        return ExportRun(
            rows=int(exported.group(1)),
            seconds=seconds,
            peak_rss_mb=int(peak.group(1)) / 1024,
            size_mb=output.stat().st_size / 2**20,
        )
