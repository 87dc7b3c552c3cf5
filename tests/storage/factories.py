"""The least each row needs to be valid, and checks shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from storage.models import GovernanceSession, Workflow

TEAM = "T0TEAM"
ADMIN = "UADMIN"
MONDAY = date(2026, 11, 23)
ENDED = datetime(2026, 11, 20, 17, 0, tzinfo=UTC)


def workflow_row(*, name: str = "Support triage", team_id: str = TEAM, **extra: object) -> Workflow:
    """An unsaved workflow."""
    fields: dict[str, object] = {"channel_id": "C0SUPPORT", "created_by": ADMIN, **extra}
    return Workflow(team_id=team_id, name=name, name_key=name.casefold(), **fields)


def add_workflow(db: Session, *, name: str = "Support triage", team_id: str = TEAM) -> Workflow:
    """A saved (flushed) workflow."""
    workflow = workflow_row(name=name, team_id=team_id)
    db.add(workflow)
    db.flush()
    return workflow


def add_session(db: Session, *, workflow_id: int, week_start: date = MONDAY) -> GovernanceSession:
    """A saved (flushed) governance session."""
    session = GovernanceSession(
        team_id="T1", workflow_id=workflow_id, week_start=week_start, channel_id="CGOV"
    )
    db.add(session)
    db.flush()
    return session


def count_rows(db: Session, model: type[SQLModel]) -> int:
    """How many rows `model`'s table holds."""
    return db.exec(select(func.count()).select_from(model)).one()


def assert_rejected_as_duplicate(db: Session, row: SQLModel) -> None:
    """Inserting `row` fails on a unique constraint or index; the session is rolled back."""
    db.add(row)
    with pytest.raises(IntegrityError) as caught:
        db.flush()
    # SQLite: "UNIQUE constraint failed"; PostgreSQL: "violates unique constraint".
    assert "unique" in str(caught.value.orig).lower()
    db.rollback()
