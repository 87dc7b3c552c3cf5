"""Alembic migrations build exactly the schema the models declare."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlmodel import SQLModel, select

import storage.models  # noqa: F401  (registers every table on the metadata)
from storage.db import session_scope
from storage.migrate import current_revision, head_revision, upgrade
from storage.models import Workflow
from tests.storage.factories import add_workflow


def schema_diff(engine: Engine) -> list[Any]:
    """What autogenerate would still have to write to make the database match the models."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def test_migrated_schema_matches_the_models(any_engine: Engine) -> None:
    assert schema_diff(any_engine) == []


def test_schema_comparison_notices_a_missing_partial_unique_index(any_engine: Engine) -> None:
    # Guards the test above: an empty diff must mean "no difference", not "not compared".
    with any_engine.begin() as connection:
        connection.execute(text("DROP INDEX uq_owner_assignment_current"))
    added = [change[1].name for change in schema_diff(any_engine) if change[0] == "add_index"]
    assert added == ["uq_owner_assignment_current"]


def test_database_is_at_the_newest_revision(any_engine: Engine) -> None:
    head = head_revision(any_engine)
    assert head is not None
    assert current_revision(any_engine) == head


def test_upgrading_twice_is_harmless(any_engine: Engine) -> None:
    with session_scope(any_engine) as db:
        add_workflow(db, name="Kept across upgrades")

    upgrade(any_engine)

    assert current_revision(any_engine) == head_revision(any_engine)
    assert schema_diff(any_engine) == []
    with session_scope(any_engine) as db:
        assert db.exec(select(Workflow.name)).all() == ["Kept across upgrades"]
