"""The cast, a workflow factory, and readers for what the domain wrote (audit, outbox)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from cadence.accountability import council, owners, workflows
from cadence.people import Person
from cadence.vocabulary import OwnerRole
from storage.models import AuditEvent, OutboxMessage, Workflow
from tests import cast

TEAM, OTHER_TEAM = "T0TEAM", "T0OTHER"
GOV, GENERAL = cast.GOV, cast.GENERAL

# The test cast (tests/cast.py), as the domain sees its people.
ADMIN, WS_OWNER, MARIA, LI, SAM = map(
    cast.person, (cast.ADMIN, cast.WS_OWNER, cast.MARIA, cast.LI, cast.SAM)
)
DANA, EVE, HELPER_BOT, SLACKBOT, GONE = map(
    cast.person, (cast.DANA, cast.EVE, cast.HELPER_BOT, cast.SLACKBOT, cast.GONE)
)


def make_workflow(
    db: Session, name: str = "Support resolution", *, channel_id: str = GOV, team_id: str = TEAM
) -> Workflow:
    """A workflow registered by the admin."""
    return workflows.add_workflow(
        db, team_id=team_id, name=name, channel_id=channel_id, actor=ADMIN
    )


def assign(
    db: Session, workflow: Workflow, role: OwnerRole, person: Person, stage: str | None = None
) -> owners.AssignmentResult:
    """Assign an owner as the admin."""
    return owners.assign_owner(
        db, workflow=workflow, role=role, person=person, actor=ADMIN, stage=stage
    )


def seat(db: Session, *people: Person, team_id: str = TEAM) -> None:
    """Seat people on the council as the admin."""
    for person in people:
        council.add_member(db, team_id=team_id, person=person, actor=ADMIN)


def outbox_rows(db: Session) -> list[OutboxMessage]:
    """Every outbox intent, oldest first, but the channel canvases' own calls and refreshes
    (every audited change queues one; tests/cadence/test_canvas_refresh.py and
    tests/e2e/test_canvases.py test them)."""
    query = select(OutboxMessage).where(col(OutboxMessage.idempotency_key).not_like("canvas:%"))
    return list(db.exec(query.order_by(col(OutboxMessage.id))).all())


def outbox_keys(db: Session) -> list[str]:
    """Idempotency keys of every outbox intent, oldest first."""
    return [m.idempotency_key for m in outbox_rows(db)]


def outbox_by_key(db: Session) -> dict[str, OutboxMessage]:
    """Outbox intents by idempotency key."""
    return {m.idempotency_key: m for m in outbox_rows(db)}


def audit_rows(db: Session) -> list[AuditEvent]:
    """Every audit event, oldest first."""
    return list(db.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all())


def audit_actions(db: Session) -> list[str]:
    """The action of every audit event, oldest first."""
    return [e.action for e in audit_rows(db)]


def wait_until_blocked_or_done(engine: Engine, thread: threading.Thread) -> None:
    """Give the thread its chance to run into the open transaction's lock (or to finish).

    PostgreSQL shows a backend waiting for a lock; SQLite's writer waits in its busy handler
    until the open transaction ends whatever the timing, so there is nothing to wait for.
    """
    if engine.dialect.name != "postgresql":
        return
    deadline = time.monotonic() + 10
    with engine.connect() as watcher:
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = watcher.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            watcher.commit()
            if waiting:
                return
            time.sleep(0.01)
    assert not thread.is_alive(), "the thread neither finished nor waited for a lock"
