"""Datetimes are stored as UTC and come back timezone-aware on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.db import session_scope
from storage.models import Workflow
from tests.storage.factories import workflow_row

PLUS_TWO = timezone(timedelta(hours=2))


def in_foreign_time_zone(db: Session) -> Session:
    """Make PostgreSQL's session zone non-UTC, so a missing conversion would show."""
    if db.get_bind().dialect.name == "postgresql":
        db.connection().exec_driver_sql("SET TIME ZONE 'Asia/Tokyo'")
    return db


def test_aware_datetimes_come_back_aware_and_in_utc(any_engine: Engine) -> None:
    written = datetime(2026, 11, 23, 11, 0, tzinfo=PLUS_TWO)
    with session_scope(any_engine) as db:
        db.add(workflow_row(created_at=written))

    with session_scope(any_engine) as db:
        read = in_foreign_time_zone(db).exec(select(Workflow.created_at)).one()

    assert read == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)


def test_naive_datetimes_are_taken_as_utc(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        in_foreign_time_zone(db).add(workflow_row(archived_at=datetime(2026, 11, 23, 9, 30)))

    with session_scope(any_engine) as db:
        read = in_foreign_time_zone(db).exec(select(Workflow.archived_at)).one()

    assert read == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert read.utcoffset() == timedelta(0)


def test_queries_compare_instants_not_wall_clock_readings(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        db.add(workflow_row(name="Early", created_at=datetime(2026, 11, 23, 9, 0, tzinfo=UTC)))
        db.add(workflow_row(name="Late", created_at=datetime(2026, 11, 23, 10, 0, tzinfo=UTC)))

    # 11:30 at +02:00 is 09:30 UTC: only "Early" is before it.
    cutoff = datetime(2026, 11, 23, 11, 30, tzinfo=PLUS_TWO)
    with session_scope(any_engine) as db:
        names = db.exec(select(Workflow.name).where(col(Workflow.created_at) < cutoff)).all()

    assert names == ["Early"]
