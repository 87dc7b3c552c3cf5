"""The engine's connection settings and the one-unit-of-work session helper."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.db import session_scope
from storage.models import OwnerAssignment, Workflow
from tests.storage.factories import ADMIN, add_workflow, count_rows


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(any_engine: Engine) -> None:
    if any_engine.dialect.name != "sqlite":
        pytest.skip("PRAGMAs are SQLite's; PostgreSQL has no equivalent to check")
    any_engine.dispose()  # drop pooled connections so the next one is fresh
    with any_engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() > 0


def test_owner_of_a_missing_workflow_is_rejected(any_db: Session) -> None:
    workflow = add_workflow(any_db)
    any_db.add(
        OwnerAssignment(
            workflow_id=workflow.id, role="workflow", user_id="UMARIA", assigned_by=ADMIN
        )
    )
    any_db.commit()

    any_db.add(
        OwnerAssignment(workflow_id=424242, role="workflow", user_id="UMARIA", assigned_by=ADMIN)
    )
    with pytest.raises(IntegrityError) as caught:
        any_db.flush()
    # SQLite: "FOREIGN KEY constraint failed"; PostgreSQL: "violates foreign key constraint".
    assert "foreign key" in str(caught.value.orig).lower()
    any_db.rollback()
    assert count_rows(any_db, OwnerAssignment) == 1


def test_session_scope_commits_when_the_block_succeeds(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        add_workflow(db, name="Invoice matching")

    with session_scope(any_engine) as db:
        assert db.exec(select(Workflow.name)).all() == ["Invoice matching"]


def test_session_scope_rolls_back_when_the_block_raises(any_engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), session_scope(any_engine) as db:
        add_workflow(db, name="Never saved")
        raise RuntimeError("boom")

    with session_scope(any_engine) as db:
        assert count_rows(db, Workflow) == 0


def test_rows_stay_readable_after_the_scope_closes(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        workflow = add_workflow(db, name="Claims intake")

    # Not expired on commit, so no DetachedInstanceError when a handler reads it afterwards.
    assert workflow.name == "Claims intake"
    assert workflow.id is not None
