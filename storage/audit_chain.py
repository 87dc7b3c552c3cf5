"""The audit log's hash chain: each workspace's rows are numbered and linked by SHA-256.

A row's hash covers its content (workspace, number, workflow, actor, action, detail, time) and
the hash of the row before it, so changing, removing or slipping in a row breaks every link
after it. The newest link of each chain is kept in `audit_chain_head`; appending updates that
row first (a row lock on PostgreSQL until the commit; SQLite's single writer already orders
appends), so concurrent writers extend the chain one at a time, in the transaction of the
change they record.

The rule is a contract with every row already written: change it only with a new `VERSION`
and a migration that re-links history.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col

from storage.db import insert_if_absent
from storage.models import AuditChainHead, AuditEvent

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
    the link the one before it committed.
    """
    link = _advance_head(db, event.team_id)
    if link is None:  # the workspace's first row: start its chain (once, whoever comes first)
        insert_if_absent(
            db,
            AuditChainHead,
            key=["team_id"],
            team_id=event.team_id,
            seq=0,
            hash=GENESIS,
            created_at=event.created_at,
        )
        link = _advance_head(db, event.team_id)
        assert link is not None
    event.seq, event.prev_hash = link
    event.hash = link_hash(event.prev_hash, event_content(event))
    db.exec(  # type: ignore[call-overload]
        update(AuditChainHead)
        .where(col(AuditChainHead.team_id) == event.team_id)
        .values(hash=event.hash, updated_at=event.created_at)
        .execution_options(synchronize_session=False)
    )
    db.add(event)
    db.flush()
    return event


def _advance_head(db: Session, team_id: str) -> tuple[int, str] | None:
    """Lock the workspace's chain head and take the next number: (number, previous hash)."""
    row = db.exec(  # type: ignore[call-overload]
        update(AuditChainHead)
        .where(col(AuditChainHead.team_id) == team_id)
        .values(seq=col(AuditChainHead.seq) + 1)
        .returning(col(AuditChainHead.seq), col(AuditChainHead.hash))
        .execution_options(synchronize_session=False)
    ).first()
    return (int(row[0]), str(row[1])) if row is not None else None
