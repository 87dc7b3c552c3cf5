"""The outbox rows a deliverer looks at: which are due, when the next one will be, and the
lease that lets only one replica send a row."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, or_, update
from sqlmodel import col, select

from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import session_scope
from storage.models import OutboxMessage

LEASE = timedelta(seconds=60)


def unlocked() -> Any:
    """Rows no replica holds a live lease on."""
    return or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now())


def due_rows(engine: Engine, *, limit: int, held_back: set[str]) -> list[tuple[int, str]]:
    """(id, method) of pending rows due now, oldest first, leaving out the held-back methods."""
    with session_scope(engine) as db:
        query = (
            select(OutboxMessage.id, OutboxMessage.method)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .where(OutboxMessage.next_attempt_at <= now())
            .where(unlocked())
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if held_back:
            query = query.where(col(OutboxMessage.method).not_in(held_back))
        return [(i, method) for i, method in db.exec(query).all() if i is not None]


def earliest_due(engine: Engine) -> list[tuple[str, datetime]]:
    """When the first pending row of each method is due (its pacing, backoff or Retry-After)."""
    with session_scope(engine) as db:
        rows = db.exec(
            select(OutboxMessage.method, func.min(OutboxMessage.next_attempt_at))
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .where(unlocked())
            .group_by(col(OutboxMessage.method))
        ).all()
    return [(method, when) for method, when in rows if when is not None]


def claim(engine: Engine, message_id: int) -> bool:
    """Lease one row; only one replica wins the conditional update."""
    with session_scope(engine) as db:
        result = db.exec(  # type: ignore[call-overload]
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == message_id)
            .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
            .where(unlocked())
            .values(locked_until=now() + LEASE)
        )
        return bool(result.rowcount == 1)
