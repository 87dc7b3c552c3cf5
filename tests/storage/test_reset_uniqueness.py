"""The reset's 'depth beats breadth' rules live in the schema too (SQLite and PostgreSQL): one
running reset per workflow, one focus per workspace unless a reason says why."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine

from storage.db import new_session
from storage.models import AccountabilityReset, pk
from tests.storage.factories import (
    ENDED,
    TEAM,
    add_workflow,
    assert_rejected_as_duplicate,
    count_rows,
)

START = date(2026, 11, 25)


def reset_row(
    workflow_id: int, *, reason: str | None = None, **extra: object
) -> AccountabilityReset:
    return AccountabilityReset(team_id=TEAM, workflow_id=workflow_id, started_by="UMARIA",
                               start_day=START, timezone="UTC", parallel_reason=reason,
                               **extra)  # fmt: skip


def test_one_focus_per_workspace_unless_a_reason_and_one_per_workflow(any_engine: Engine):
    db = new_session(any_engine)
    support, billing, onboarding = (add_workflow(db, name=n) for n in ("S", "B", "O"))
    db.add(reset_row(pk(support), status="finished", ended_at=ENDED))  # an ended one: history
    db.add(reset_row(pk(support)))
    db.commit()
    assert_rejected_as_duplicate(db, reset_row(pk(billing)))  # a second focus, no reason
    db.add(reset_row(pk(billing), reason="Billing is bleeding money"))
    db.commit()
    assert_rejected_as_duplicate(db, reset_row(pk(billing), reason="again"))  # same workflow
    db.add(reset_row(pk(onboarding), reason="and onboarding too"))
    db.commit()
    assert count_rows(db, AccountabilityReset) == 4
    db.close()
