"""Liveness and readiness: is the database reachable, its schema current, the outbox moving?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.migrate import head_revision
from storage.models import OutboxMessage


@dataclass(frozen=True)
class Backlog:
    """Pending outbox messages and how long the oldest has waited."""

    pending: int
    oldest_age_seconds: float


@dataclass(frozen=True)
class Readiness:
    """The answer to /readyz."""

    ready: bool
    reason: str
    detail: dict[str, object]


def outbox_backlog(engine: Engine) -> Backlog:
    """How many messages are pending, and the age of the oldest (0 when none)."""
    with Session(engine) as db:
        count, oldest = db.exec(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                OutboxMessage.status == OutboxStatus.PENDING
            )
        ).one()
    return Backlog(int(count), _age(oldest))


def _revision(connection: Connection) -> str | None:
    """The schema's Alembic revision, read directly (Alembic's own reader logs every call)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _age(moment: datetime | None) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now() - moment).total_seconds())


class ReadinessCheck:
    """Checks the database, the migrations and the outbox; the head revision is read once."""

    def __init__(self, engine: Engine, *, outbox_max_age_seconds: float) -> None:
        self.engine = engine
        self.outbox_max_age_seconds = outbox_max_age_seconds
        self.head = head_revision(engine)

    def __call__(self) -> Readiness:
        """Ready, or the first reason not to be."""
        try:
            with self.engine.connect() as connection:
                at = _revision(connection)
            if at != self.head:
                return Readiness(
                    False, "migrations not at head", {"revision": at, "expected": self.head}
                )
            backlog = outbox_backlog(self.engine)
        except SQLAlchemyError as exc:
            return Readiness(False, "database unreachable", {"error": type(exc).__name__})
        detail = {
            "outbox_pending": backlog.pending,
            "outbox_oldest_pending_age_seconds": round(backlog.oldest_age_seconds, 1),
            "outbox_max_age_seconds": self.outbox_max_age_seconds,
        }
        if backlog.oldest_age_seconds > self.outbox_max_age_seconds:
            return Readiness(False, "outbox stuck", detail)
        return Readiness(True, "ready", {"revision": at, **detail})
