"""The engine's connection settings and the one-unit-of-work session helper."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session, select

from storage.db import POOL_OVERFLOW, POOL_SIZE, make_engine, new_session, session_scope
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


def test_a_session_gives_up_on_a_held_lock_after_its_lock_wait(any_engine: Engine) -> None:
    """A request's session waits `lock_wait` for another writer, then fails; by default a
    session (jobs, the outbox) waits longer, and the next session's wait is its own."""
    with any_engine.begin() as setup:
        setup.execute(text("CREATE TABLE lock_probe (id INTEGER PRIMARY KEY, n INTEGER)"))
        setup.execute(text("INSERT INTO lock_probe VALUES (1, 0)"))
    holder = any_engine.connect()
    holder.begin()
    holder.execute(text("UPDATE lock_probe SET n = 1 WHERE id = 1"))  # holds the write lock
    try:
        started = time.monotonic()
        with pytest.raises(OperationalError), new_session(any_engine, lock_wait=0.3) as db:
            db.execute(text("UPDATE lock_probe SET n = 2 WHERE id = 1"))
            db.commit()
        assert time.monotonic() - started < 5
    finally:
        holder.rollback()
        holder.close()
    with new_session(any_engine) as db:  # the lock is gone: a default session goes through
        db.execute(text("UPDATE lock_probe SET n = 3 WHERE id = 1"))
        db.commit()
        if any_engine.dialect.name == "sqlite":
            busy = db.execute(text("PRAGMA busy_timeout")).scalar()
            assert busy is not None and busy > 1000  # not the 300 ms the last session set


def test_a_busy_process_keeps_its_connections_open(tmp_path, postgres_database):
    """Dozens of listener threads share the pool: it keeps POOL_SIZE connections open rather
    than SQLAlchemy's 5 (opening a PostgreSQL connection starts a server process)."""
    urls = [f"sqlite:///{tmp_path / 'pool.db'}"]
    urls += [postgres_database] if postgres_database else []
    for url in urls:
        engine = make_engine(url)
        assert (engine.pool.size(), engine.pool._max_overflow) == (POOL_SIZE, POOL_OVERFLOW)
        engine.dispose()
    assert type(make_engine("sqlite://").pool).__name__ == "SingletonThreadPool"
