"""Benchmark 4, history scale: hot-path latency with 10,000 vs 1,000,000 rows of history.

`seed()` bulk-inserts N escalations (two events each, one sent DM each in the outbox) and N
votes (50 per weekly session, sessions spread over the team's WORKFLOWS workflows, going back
N / 50 / WORKFLOWS weeks) with core INSERT executemany in big batches. `compare()` times each
operation on a small and a large database, alternating between them so both see the same
machine noise, and reports the median ratio.

The operations are the real hot paths: raising an escalation through the domain
(`escalations.raise_escalation`: idempotency check, routing by the map, events, audit, outbox
DMs) and the weekly job opening a week's threads (`bot.jobs.open_due_threads` for the team's
WORKFLOWS workflows, on a fresh week each run, with the clock set to that Monday noon).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from typing import Any

from sqlalchemy import Engine, Table, insert
from sqlmodel import SQLModel

from bot.jobs import open_due_threads
from cadence.escalations import raising as escalations
from cadence.vocabulary import DecisionPoint, OutboxStatus, OwnerRole
from storage.clock import set_clock
from storage.db import session_scope
from storage.models import (
    Escalation,
    EscalationEvent,
    GovernanceSession,
    OutboxMessage,
    OwnerAssignment,
    Vote,
    Workflow,
)

TEAM, WORKFLOWS, VOTERS_PER_SESSION, PEOPLE = "T0001", 20, 50, 2000
BATCH = 20_000
THIS_WEEK = date(2026, 11, 23)
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
RATIO_TARGET = 1.3


def _batches(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(engine: Engine, model: type[SQLModel], rows: Iterator[dict[str, Any]]) -> None:
    table: Table = model.__table__  # type: ignore[attr-defined]
    with engine.begin() as connection:
        for batch in _batches(rows):
            connection.execute(insert(table), batch)


def seed(engine: Engine, n: int) -> float:
    """Insert n escalations (+2n events, +n sent outbox rows) and n votes; returns seconds.

    The votes hang on n/50 closed sessions of past weeks; this week has one open session per
    workflow.
    """
    started = time.monotonic()
    sessions = max(1, n // VOTERS_PER_SESSION)
    weeks = -(-sessions // WORKFLOWS)
    person = [f"U0P{i:05d}" for i in range(PEOPLE)]
    _bulk(engine, Workflow, (
        dict(id=w + 1, team_id=TEAM, name=f"Workflow {w}", name_key=f"workflow {w}",
             channel_id=f"C0W{w:05d}", risk_tier="medium", status="active",
             created_by=person[0], created_at=EPOCH)
        for w in range(WORKFLOWS)
    ))  # fmt: skip
    _bulk(engine, OwnerAssignment, (
        dict(workflow_id=w + 1, role=OwnerRole.OUTCOME, stage="", user_id=person[w],
             assigned_by=person[0], created_at=EPOCH)
        for w in range(WORKFLOWS)
    ))  # fmt: skip

    def when(i: int, total: int) -> datetime:
        return EPOCH + timedelta(seconds=i * (86400 * 7 * weeks) // max(1, total))

    _bulk(engine, Escalation, (
        dict(id=i + 1, team_id=TEAM, workflow_id=i % WORKFLOWS + 1,
             decision_point="incident_response", severity="sev3", summary=f"History {i}",
             raised_by=person[i % PEOPLE], routed_to=person[(i * 7) % PEOPLE], tier=0,
             needs_council=False, status="open" if i % 100 == 0 else "resolved",
             idempotency_key=f"seed:{i}", created_at=when(i, n))
        for i in range(n)
    ))  # fmt: skip
    _bulk(engine, EscalationEvent, (
        dict(escalation_id=i // 2 + 1, kind="raised" if i % 2 == 0 else "routed",
             actor=person[(i // 2) % PEOPLE], authorized=True, detail={},
             created_at=when(i // 2, n))
        for i in range(2 * n)
    ))  # fmt: skip
    _bulk(engine, OutboxMessage, (
        dict(idempotency_key=f"escalation:{i + 1}:dm", team_id=TEAM, method="chat.postMessage",
             payload={"channel": person[i % PEOPLE], "text": f"History {i}"},
             status=OutboxStatus.SENT, attempts=1, next_attempt_at=when(i, n),
             created_at=when(i, n), sent_at=when(i, n), result_ts=f"{1700000000 + i}.000100")
        for i in range(n)
    ))  # fmt: skip
    _bulk(engine, GovernanceSession, (
        dict(id=s + 1, team_id=TEAM, workflow_id=s % WORKFLOWS + 1,
             week_start=THIS_WEEK - timedelta(weeks=weeks - s // WORKFLOWS),
             channel_id=f"C0W{s % WORKFLOWS:05d}", thread_ts=f"{1700000000 + s}.000200",
             status="closed", tally_queued=False, created_at=when(s, sessions))
        for s in range(sessions)
    ))  # fmt: skip
    _bulk(engine, GovernanceSession, (
        dict(id=sessions + w + 1, team_id=TEAM, workflow_id=w + 1, week_start=THIS_WEEK,
             channel_id=f"C0W{w:05d}", status="open", tally_queued=False, created_at=EPOCH)
        for w in range(WORKFLOWS)
    ))  # fmt: skip
    _bulk(engine, Vote, (
        dict(session_id=v // VOTERS_PER_SESSION + 1, voter=person[v % VOTERS_PER_SESSION],
             choice="continue", created_at=when(v, n))
        for v in range(sessions * VOTERS_PER_SESSION)
    ))  # fmt: skip
    if engine.dialect.name == "postgresql":
        _reset_sequences(engine)
    _settle_storage(engine)
    return time.monotonic() - started


def _settle_storage(engine: Engine) -> None:
    """Leave the seeded history as a long-running database has it: written back from SQLite's
    write-ahead log (not checkpointed by the first timed commits), or vacuumed and analysed by
    PostgreSQL's autovacuum."""
    from sqlalchemy import text

    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    elif engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the seeded rows."""
    from sqlalchemy import text

    with engine.begin() as connection:
        for table in ("workflow", "escalation", "governance_session"):
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT max(id) FROM {table}))"
            ))  # fmt: skip


@dataclass(frozen=True)
class Operation:
    """A hot-path operation timed on both databases; `run(engine, k)` does it once (k-th time)."""

    name: str
    run: Callable[[Engine, int], None]


def _raise_escalation(engine: Engine, k: int) -> None:
    with session_scope(engine) as db:
        workflow = db.get(Workflow, k % WORKFLOWS + 1)
        assert workflow is not None
        report = escalations.Report(
            workflow,
            DecisionPoint.POLICY_EXCEPTION,
            None,
            escalations.Severity.SEV3,
            f"Refund bot promised credits ({k})",
        )
        raised = escalations.raise_escalation(
            db,
            report=report,
            raised_by="U0P00042",
            source_channel_id=workflow.channel_id,
            idempotency_key=f"bench:{time.time_ns()}:{k}",
        )
        assert not raised.duplicate


def _open_week(engine: Engine, k: int) -> None:
    monday = THIS_WEEK + timedelta(weeks=k + 2)  # k starts at -1 (the warm-up run)
    moment = datetime.combine(monday, dt_time(12, 0), tzinfo=UTC)
    set_clock(lambda: moment)
    try:
        opened = open_due_threads(engine, default_zone="UTC")
    finally:
        set_clock(None)
    assert len(opened.opened) == WORKFLOWS, opened.summary()


def operations() -> list[Operation]:
    """Raise an escalation (domain path); open a fresh week's threads (the weekly job)."""
    return [
        Operation("raise an escalation", _raise_escalation),
        Operation(f"open a week's threads ({WORKFLOWS} workflows)", _open_week),
    ]


@dataclass
class Comparison:
    """One operation's median latency on both databases."""

    name: str
    small_ms: float
    large_ms: float

    @property
    def ratio(self) -> float:
        """Large over small."""
        return self.large_ms / self.small_ms if self.small_ms else float("nan")


def compare(small: Engine, large: Engine, *, runs: int) -> list[Comparison]:
    """Median of `runs` timings of each operation on each database, interleaved."""
    results = []
    for operation in operations():
        for engine in (small, large):
            operation.run(engine, -1)  # warm the connection pool and caches
        timings: dict[int, list[float]] = {id(small): [], id(large): []}
        for k in range(runs):
            for engine in (small, large) if k % 2 == 0 else (large, small):
                started = time.perf_counter()
                operation.run(engine, k)
                timings[id(engine)].append((time.perf_counter() - started) * 1000)
        results.append(
            Comparison(
                operation.name,
                statistics.median(timings[id(small)]),
                statistics.median(timings[id(large)]),
            )
        )
    return results
