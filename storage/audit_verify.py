"""Walking the audit chain: the first row edited, deleted or inserted out of order, named."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from storage.audit_chain import GENESIS, event_content, link_hash
from storage.models import AuditChainHead, AuditEvent

BATCH = 2000


@dataclass(frozen=True)
class ChainHead:
    """Where a workspace's chain ends: worth writing down, to compare with later."""

    team_id: str
    seq: int
    hash: str


@dataclass
class Verification:
    """The result of walking every chain: rows checked, and the first break if any."""

    rows: int = 0
    problem: str | None = None
    heads: list[ChainHead] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every chain held."""
        return self.problem is None


def verify_chain(db: Session, *, team_id: str | None = None) -> Verification:
    """Walk each workspace's chain link by link; stop at the first row that breaks it.

    Rows are walked by their number in the chain; their ids must rise along it, so a row
    written later in a place that claims to be earlier is noticed too.
    """
    result = Verification()
    heads = {h.team_id: h for h in db.exec(select(AuditChainHead)).all()}
    teams = set(heads) | set(db.exec(select(AuditEvent.team_id).distinct()).all())
    for team in sorted(t for t in teams if team_id in (None, t)):
        head = heads.get(team)
        checked, problem = _walk(db, team, head)
        result.rows += checked
        if problem is not None:
            result.problem = problem
            return result
        result.heads.append(ChainHead(team, head.seq if head else 0, head.hash if head else ""))
    return result


def _walk(db: Session, team: str, head: AuditChainHead | None) -> tuple[int, str | None]:
    """Rows checked in one workspace's chain, and what broke it (None: it holds)."""
    where = f"workspace {team}"
    last_seq, last_hash, last_id, checked = 0, GENESIS, 0, 0
    top = head.seq if head is not None else 0
    for row in _rows(db, team):
        name = f"audit row {row.id} (#{row.seq} of {where}, {row.action} by {row.actor})"
        after = f"row {last_id} (#{last_seq})" if last_seq else "the start"
        if row.seq > top:
            return checked, f"{name} was inserted outside Cadence: the chain ends at #{top}."
        if link_hash(row.prev_hash, event_content(row)) != row.hash:
            return checked, f"{name} was edited: its content no longer matches its hash."
        if row.seq > last_seq + 1:
            return checked, (
                f"{_deleted(last_seq + 1, row.seq - 1, where)}: the chain goes from {after} "
                f"to row {row.id} (#{row.seq})."
            )
        if row.id <= last_id or row.prev_hash != last_hash:
            return checked, (
                f"{name} was inserted out of order: it does not follow {after} "
                "(one of them is not the original)."
            )
        last_seq, last_hash, last_id = row.seq, row.hash, row.id
        checked += 1
    if last_seq < top:
        return checked, (
            f"{_deleted(last_seq + 1, top, where)}: the chain ends at #{last_seq} but #{top} "
            "was written."
        )
    if head is not None and last_hash != head.hash:
        return checked, f"audit row {last_id} (#{last_seq} of {where}) was replaced."
    return checked, None


COLUMNS = (AuditEvent.id, AuditEvent.team_id, AuditEvent.seq, AuditEvent.workflow_id,
           AuditEvent.actor, AuditEvent.action, AuditEvent.detail, AuditEvent.created_at,
           AuditEvent.prev_hash, AuditEvent.hash)  # fmt: skip


def _rows(db: Session, team: str) -> Iterator[Any]:
    """A workspace's rows in chain order, a batch at a time (plain rows: a long history need
    not fit in the session's identity map)."""
    after = 0
    while True:
        batch = db.exec(
            select(*COLUMNS)
            .where(AuditEvent.team_id == team, col(AuditEvent.seq) > after)
            .order_by(col(AuditEvent.seq))
            .limit(BATCH)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq


def _deleted(first: int, last: int, where: str) -> str:
    if first == last:
        return f"audit row #{first} of {where} was deleted"
    return f"audit rows #{first} to #{last} of {where} were deleted"
