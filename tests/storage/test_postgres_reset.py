"""The PostgreSQL test database is emptied between tests, and rebuilt when a test changed it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlmodel import select

from storage.db import session_scope
from storage.migrate import current_revision, head_revision
from storage.models import AuditEvent, Workflow
from tests.postgres_reset import MigratedPostgres
from tests.storage.factories import add_workflow


@pytest.fixture
def reset(postgres_database: str | None) -> MigratedPostgres:
    if postgres_database is None:
        pytest.skip("PostgreSQL is not reachable")
    return MigratedPostgres(postgres_database)


def fill(engine: Engine) -> int:
    """Rows in a few tables, the append-only audit table included; the last workflow id."""
    with session_scope(engine) as db:
        workflows = [add_workflow(db, name=f"Flow {n}") for n in range(3)]
        db.add(AuditEvent(team_id="T1", actor="U1", action="test.filled", seq=1))
    return workflows[-1].id or 0


def test_rows_go_ids_restart_and_the_revision_stays(reset: MigratedPostgres) -> None:
    engine = reset.empty_engine()
    assert fill(engine) == 3
    engine.dispose()

    engine = reset.empty_engine()
    with session_scope(engine) as db:
        assert db.exec(select(Workflow)).all() == []
        assert db.exec(select(AuditEvent)).all() == []
    assert fill(engine) == 3, "ids start again at 1"
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()


@pytest.mark.parametrize(
    "change",
    [
        "DROP SCHEMA public CASCADE; CREATE SCHEMA public",
        "DROP INDEX ix_outbox_message_due",
        "ALTER TABLE workflow ADD COLUMN extra text",
        "ALTER TABLE audit_event DISABLE TRIGGER USER",
        "UPDATE alembic_version SET version_num = 'elsewhere'",
        "CREATE TABLE leftover (id int)",
    ],
)
def test_a_changed_schema_is_rebuilt_by_the_migrations(
    reset: MigratedPostgres, change: str
) -> None:
    engine = reset.empty_engine()
    with engine.begin() as connection:
        for statement in change.split("; "):
            connection.execute(text(statement))
    engine.dispose()

    engine = reset.empty_engine()
    with engine.connect() as connection:
        assert reset.matches(connection)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()
