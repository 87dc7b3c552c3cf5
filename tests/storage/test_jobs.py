"""Claims on job slots: the first replica wins, the rest step aside without harm."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from cadence import audit
from storage.db import session_scope
from storage.jobs import claim_job_slot, finish_job_run
from storage.models import AuditEvent, JobRun
from tests.conftest import FrozenClock
from tests.storage.factories import ADMIN, TEAM, count_rows

JOB = "open-weekly-sessions"


def stored_claims(db: Session) -> list[tuple[str, str]]:
    """Every (job, slot) claimed, in claim order."""
    return [(run.job_name, run.slot) for run in db.exec(select(JobRun).order_by(JobRun.id))]


def test_first_claim_of_a_slot_wins(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        run = claim_job_slot(db, job_name=JOB, slot="2026-W48")
        assert run is not None and run.id is not None

    with session_scope(any_engine) as db:
        assert stored_claims(db) == [(JOB, "2026-W48")]


def test_repeat_claim_returns_none_and_leaves_the_session_usable(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        audit.record(db, team_id=TEAM, actor=ADMIN, action="work.before_claim")
        assert claim_job_slot(db, job_name=JOB, slot="2026-W48") is not None

        assert claim_job_slot(db, job_name=JOB, slot="2026-W48") is None

        # Only the nested transaction was undone: earlier work stands, later work proceeds.
        assert claim_job_slot(db, job_name=JOB, slot="2026-W49") is not None
        audit.record(db, team_id=TEAM, actor=ADMIN, action="work.after_claim")

    with session_scope(any_engine) as db:
        assert stored_claims(db) == [(JOB, "2026-W48"), (JOB, "2026-W49")]
        assert db.exec(select(AuditEvent.action).order_by(AuditEvent.id)).all() == [
            "work.before_claim",
            "work.after_claim",
        ]


def test_slot_claimed_by_another_replica_returns_none(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        assert claim_job_slot(db, job_name=JOB, slot="2026-W48") is not None
    with session_scope(any_engine) as db:
        assert claim_job_slot(db, job_name=JOB, slot="2026-W48") is None
        assert claim_job_slot(db, job_name="deliver-digest", slot="2026-W48") is not None

    with session_scope(any_engine) as db:
        assert stored_claims(db) == [(JOB, "2026-W48"), ("deliver-digest", "2026-W48")]


def test_claim_is_rolled_back_with_the_unit_of_work_that_made_it(any_engine: Engine) -> None:
    """KNOWN PRODUCT BUG on SQLite (passes on PostgreSQL).

    pysqlite sends no BEGIN before a SAVEPOINT, so when `claim_job_slot` is a session's
    first write its SAVEPOINT opens the transaction and RELEASE commits it there and then.
    The claim escapes `session_scope`'s rollback and the slot stays taken though the job's
    unit of work failed; on PostgreSQL the same code rolls the claim back.
    """
    with pytest.raises(RuntimeError, match="job failed"), session_scope(any_engine) as db:
        claim_job_slot(db, job_name=JOB, slot="2026-W48")
        raise RuntimeError("job failed")

    with session_scope(any_engine) as db:
        assert count_rows(db, JobRun) == 0


def test_finishing_a_run_records_when_and_how_it_ended(
    any_engine: Engine, frozen_clock: FrozenClock
) -> None:
    with session_scope(any_engine) as db:
        run = claim_job_slot(db, job_name=JOB, slot="2026-W48")
    assert run is not None
    frozen_clock.advance(minutes=5)
    with session_scope(any_engine) as db:
        finish_job_run(db, run=db.merge(run), outcome="opened 3 sessions " + "x" * 600)

    with session_scope(any_engine) as db:
        stored = db.exec(select(JobRun)).one()
    assert stored.finished_at == datetime(2026, 11, 23, 9, 5, tzinfo=UTC)
    assert stored.outcome is not None
    assert stored.outcome.startswith("opened 3 sessions") and len(stored.outcome) == 500
