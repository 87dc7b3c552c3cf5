"""The audit log's hash chain: each workspace's rows are numbered and linked by SHA-256.

A row's hash covers its content (workspace, number, workflow, actor, action, detail, time) and
the hash of the row before it, so changing, removing or slipping in a row breaks every link
after it. The newest link of each chain is kept in `audit_chain_head`; appending updates that
row first (a row lock on PostgreSQL until the commit; SQLite's single writer already orders
appends), so concurrent writers extend the chain one at a time, in the transaction of the
change they record.

An event that must not wait for a writer (an API read's record, `append_or_leave`) is linked at
once if the head is free, else written to `audit_pending`; every append links what is waiting
there after its own row, under the same lock, so it joins the chain with the next row of its
workspace (or at the latest with the `link-audit` job, every minute).

The rule is a contract with every row already written: change it only with a new `VERSION`
and a migration that re-links history.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from storage.db import insert_if_absent
from storage.models import AuditChainHead, AuditEvent, AuditPending

VERSION = 1
GENESIS = "0" * 64  # the "previous hash" of a workspace's first row


def canonical_content(
    *,
    team_id: str,
    seq: int,
    workflow_id: int | None,
    actor: str,
    action: str,
    detail: dict[str, Any],
    created_at: datetime,
) -> bytes:
    """The bytes a row's hash covers: sorted-key JSON, ASCII only, UTC to the microsecond."""
    moment = created_at if created_at.tzinfo is not None else created_at.replace(tzinfo=UTC)
    content = {
        "v": VERSION,
        "team_id": team_id,
        "seq": seq,
        "workflow_id": workflow_id,
        "actor": actor,
        "action": action,
        # Through JSON and back, as the database stores it (tuples become lists, keys strings).
        "detail": json.loads(json.dumps(detail)),
        "created_at": moment.astimezone(UTC).isoformat(timespec="microseconds"),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def link_hash(prev_hash: str, content: bytes) -> str:
    """The hash of a row: SHA-256 over the previous row's hash and this row's content."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def event_content(event: AuditEvent | Any) -> bytes:
    """canonical_content() of a stored or about-to-be-stored row (or a row of its columns)."""
    return canonical_content(
        team_id=event.team_id,
        seq=event.seq,
        workflow_id=event.workflow_id,
        actor=event.actor,
        action=event.action,
        detail=event.detail,
        created_at=event.created_at,
    )


def append(db: Session, event: AuditEvent) -> AuditEvent:
    """Link `event` to the end of its workspace's chain and write it, in the caller's transaction.

    Taking the next number is an UPDATE of the chain head: it holds PostgreSQL's row lock (and
    SQLite's write lock) until the commit, so concurrent writers take turns, each starting from
    the link the one before it committed. Events waiting in `audit_pending` are linked after it.
    """
    if _link(db, event):
        _link_waiting(db, event.team_id)
    return event


def append_many(db: Session, events: Sequence[AuditEvent]) -> None:
    """Link `events` (one workspace's, in order) to the end of its chain and write them, as
    many `append` calls would: one step of the chain head for all, one INSERT of them all."""
    if not events:
        return
    team_id = events[0].team_id
    if any(event.team_id != team_id for event in events):
        raise ValueError("append_many links the events of one workspace")
    link = _take(db, team_id, len(events), events[0].created_at)
    last, prev_hash, waiting = link
    for number, event in enumerate(events, start=last - len(events) + 1):
        event.seq, event.prev_hash = number, prev_hash
        event.hash = prev_hash = link_hash(event.prev_hash, event_content(event))
    connection = db.connection()
    connection.execute(
        _SET_HASH, {"team": team_id, "new_hash": prev_hash, "moment": events[-1].created_at}
    )
    connection.execute(
        _INSERT_MANY, [{name: getattr(e, name) for name in _COLUMNS} for e in events]
    )
    if waiting:
        _link_waiting(db, team_id)


def waiting_teams(db: Session) -> list[str]:
    """The workspaces with events waiting in `audit_pending`."""
    query = select(AuditPending.team_id).distinct().order_by(AuditPending.team_id)
    return [str(team) for team in db.exec(query).scalars()]  # type: ignore[call-overload]


def link_waiting(db: Session, *, team_id: str) -> int:
    """Lock the workspace's chain (waiting for writers) and link what waits; how many."""
    db.exec(  # type: ignore[call-overload]
        update(AuditChainHead)
        .where(col(AuditChainHead.team_id) == team_id)
        .values(seq=col(AuditChainHead.seq))
        .execution_options(synchronize_session=False)
    )
    return _link_waiting(db, team_id)


def _link_waiting(db: Session, team_id: str) -> int:
    """Link the workspace's waiting events, oldest first (the caller holds the chain)."""
    waiting = db.exec(  # type: ignore[call-overload]
        select(AuditPending)
        .where(col(AuditPending.team_id) == team_id)
        .order_by(col(AuditPending.id))
    ).scalars()
    linked = []
    for row in list(waiting):
        kept = row.model_dump(include={"team_id", "workflow_id", "actor", "action", "detail"})
        _link(db, AuditEvent(**kept, created_at=row.created_at))
        linked.append(row.id)
    if linked:
        db.exec(delete(AuditPending).where(col(AuditPending.id).in_(linked)))  # type: ignore[call-overload]
    return len(linked)


def append_or_leave(db: Session, event: AuditEvent) -> bool:
    """Link `event` now if its chain is free, else leave it in `audit_pending` for the next
    append: never waits for another transaction's hold on the chain. True if linked now.

    PostgreSQL: the head is locked NOWAIT inside a savepoint. SQLite: every write waits for the
    one writer anyway, so the event is linked (after the same wait as any write).
    """
    if db.get_bind().dialect.name == "postgresql":
        try:
            with db.begin_nested():
                db.exec(  # type: ignore[call-overload]
                    select(col(AuditChainHead.seq))
                    .where(col(AuditChainHead.team_id) == event.team_id)
                    .with_for_update(nowait=True)
                )
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            kept = event.model_dump(include={"team_id", "workflow_id", "actor", "action", "detail"})
            db.add(AuditPending(**kept, created_at=event.created_at))
            db.flush()
            return False
    append(db, event)
    return True


# The statements of an append, built once: an append runs in the transaction of nearly every
# change (every vote), and building and keying a statement costs more than running it.
_HEAD = AuditChainHead.__table__  # type: ignore[attr-defined]
_EVENTS = AuditEvent.__table__  # type: ignore[attr-defined]
_PENDING = AuditPending.__table__  # type: ignore[attr-defined]
_ADVANCE = (
    update(_HEAD)
    .where(_HEAD.c.team_id == bindparam("team"))
    .values(seq=_HEAD.c.seq + bindparam("step"))
    .returning(
        _HEAD.c.seq,
        _HEAD.c.hash,
        select(_PENDING.c.id).where(_PENDING.c.team_id == bindparam("team")).exists(),
    )
)
_SET_HASH = (
    update(_HEAD)
    .where(_HEAD.c.team_id == bindparam("team"))
    .values(hash=bindparam("new_hash"), updated_at=bindparam("moment"))
)
_INSERT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_MANY = insert(_EVENTS)
_COLUMNS = ("team_id", "workflow_id", "actor", "action", "detail", "created_at", "seq",
            "prev_hash", "hash")  # fmt: skip


def _link(db: Session, event: AuditEvent) -> bool:
    """Number, hash and write `event` (its id set); whether events wait in `audit_pending`."""
    event.seq, event.prev_hash, waiting = _take(db, event.team_id, 1, event.created_at)
    event.hash = link_hash(event.prev_hash, event_content(event))
    connection = db.connection()
    connection.execute(
        _SET_HASH, {"team": event.team_id, "new_hash": event.hash, "moment": event.created_at}
    )
    # A plain INSERT: the row is never changed afterwards, so the session need not track it.
    row = {name: getattr(event, name) for name in _COLUMNS}
    event.id = connection.execute(_INSERT, row).scalar_one()
    return waiting


def _take(db: Session, team_id: str, count: int, moment: datetime) -> tuple[int, str, bool]:
    """Lock the workspace's chain head and take the next `count` numbers: (the last of them,
    the hash before the first, whether events wait in `audit_pending`)."""
    link = _advance_head(db, team_id, count)
    if link is None:  # the workspace's first row: start its chain (once, whoever comes first)
        insert_if_absent(
            db,
            AuditChainHead,
            key=["team_id"],
            team_id=team_id,
            seq=0,
            hash=GENESIS,
            created_at=moment,
        )
        link = _advance_head(db, team_id, count)
        assert link is not None
    return link


def _advance_head(db: Session, team_id: str, step: int) -> tuple[int, str, bool] | None:
    """Lock the workspace's chain head and move it `step` numbers on: (its number now, its
    hash before, whether events wait in `audit_pending`), in one statement."""
    row = db.connection().execute(_ADVANCE, {"team": team_id, "step": step}).first()
    return (int(row[0]), str(row[1]), bool(row[2])) if row is not None else None
