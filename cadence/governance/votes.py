"""Votes on a governance session and the coalesced live tally of its parent message."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.errors import CadenceError, Conflict, InvalidInput
from cadence.governance.threads import parent_key, render_args, tally_key_prefix
from cadence.vocabulary import VOTE_CHOICES, GovernanceChoice, OutboxStatus, SessionStatus
from storage.clock import now
from storage.models import Decision, GovernanceSession, OutboxMessage, Vote, pk

# A vote's statements, built once: votes come in storms, and building and keying a statement
# costs more than running it (benchmarks/capacity.py).
_SESSIONS = GovernanceSession.__table__  # type: ignore[attr-defined]
_VOTES = Vote.__table__  # type: ignore[attr-defined]
_SESSION = bindparam("sid")
_VOTER = bindparam("who")
_VOTERS = bindparam("voters", expanding=True)
# Before the lock: the session (this workspace's? still open?) and the voters' votes as
# committed now, one row per voter who has one (or one row of the session alone).
_FIRST_LOOK = (
    select(_SESSIONS.c.workflow_id, _SESSIONS.c.status, _VOTES.c.voter, _VOTES.c.choice)
    .select_from(
        _SESSIONS.outerjoin(
            _VOTES, and_(_VOTES.c.session_id == _SESSIONS.c.id, _VOTES.c.voter.in_(_VOTERS))
        )
    )
    .where(_SESSIONS.c.id == _SESSION, _SESSIONS.c.team_id == bindparam("team_id"))
)
_CHOICES = select(_VOTES.c.voter, _VOTES.c.choice).where(
    _VOTES.c.session_id == _SESSION, _VOTES.c.voter.in_(_VOTERS)
)
_TOUCH = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == _SESSION)
    .values(tally_queued=_SESSIONS.c.tally_queued)
)
_LOCKED_READ = (
    select(_SESSIONS.c.status, _SESSIONS.c.tally_queued)
    .where(_SESSIONS.c.id == _SESSION)
    .with_for_update()
)
_RAISE_FLAG = (
    update(_SESSIONS)
    .where(_SESSIONS.c.id == _SESSION, _SESSIONS.c.tally_queued.is_(False))
    .values(tally_queued=True)
)
_NEW_VOTE = insert(_VOTES)
_CHANGE_VOTE = (
    update(_VOTES)
    .where(_VOTES.c.session_id == _SESSION, _VOTES.c.voter == _VOTER)
    .values(choice=bindparam("new_choice"), updated_at=bindparam("moment"))
)


@dataclass
class VoteResult:
    """What a vote did."""

    choice: GovernanceChoice
    previous: GovernanceChoice | None
    changed: bool
    # The same vote was being recorded by a request still running (a retry, a double click):
    # that request confirms it, this one stays silent.
    retried: bool = False


@dataclass(frozen=True)
class Ballot:
    """One person's click on a vote button."""

    voter: str
    choice: GovernanceChoice


def cast_vote(
    db: Session,
    *,
    session_id: int,
    voter: str,
    choice: GovernanceChoice,
    team_id: str,
    default_zone: str,
) -> VoteResult:
    """Record or change one person's vote; refuse once the decision is recorded."""
    [outcome] = cast_votes(
        db,
        session_id=session_id,
        ballots=[Ballot(voter, choice)],
        team_id=team_id,
        default_zone=default_zone,
    )
    if isinstance(outcome, CadenceError):
        raise outcome
    return outcome


def cast_votes(
    db: Session,
    *,
    session_id: int,
    ballots: Sequence[Ballot],
    team_id: str,
    default_zone: str,
) -> list[VoteResult | CadenceError]:
    """Record several votes on one session in one transaction, in order, each with the
    outcome `cast_vote` would have given it; a refusal of one ballot (not a vote choice) is
    its outcome. The session gone or decided refuses them all (raised).

    A storm of votes on one thread is stored in batches (handlers/batches.py): the session's
    row lock, the flag, the audit chain's lock and the commit are taken once per batch.
    """
    if not ballots:
        return []
    outcomes: list[VoteResult | CadenceError | None] = [None] * len(ballots)
    voters = sorted({b.voter for b in ballots})
    connection = db.connection()
    rows = connection.execute(
        _FIRST_LOOK, {"sid": session_id, "voters": voters, "team_id": team_id}
    ).all()
    if not rows:
        raise InvalidInput("That governance thread no longer exists.")
    workflow_id, status = rows[0][0], rows[0][1]
    if status != SessionStatus.OPEN:
        raise Conflict(_decided_message(db, session_id))
    seen = {row[2]: row[3] for row in rows if row[2] is not None}
    # Clicking the vote you already have changes nothing (said again); a second click of one
    # voter in the batch is ordered after the first, under the lock.
    waiting: list[int] = []
    touched: set[str] = set()
    for index, ballot in enumerate(ballots):
        if ballot.choice not in VOTE_CHOICES:
            outcomes[index] = InvalidInput("That is not one of the choices to vote for.")
        elif ballot.voter not in touched and seen.get(ballot.voter) == ballot.choice.value:
            outcomes[index] = VoteResult(ballot.choice, ballot.choice, False)
        else:
            touched.add(ballot.voter)
            waiting.append(index)
    if waiting:
        _record_under_lock(
            db, session_id, team_id, workflow_id, [(i, ballots[i]) for i in waiting], outcomes,
            default_zone,
        )  # fmt: skip
    return [o for o in outcomes if o is not None]


def _record_under_lock(
    db: Session,
    session_id: int,
    team_id: str,
    workflow_id: int,
    waiting: list[tuple[int, Ballot]],
    outcomes: list[VoteResult | CadenceError | None],
    default_zone: str,
) -> None:
    # Lock the session row (the write lock on SQLite), ordering these votes against other
    # votes and against a refresh lowering the flag. What follows holds the lock until the
    # commit, so it is kept to a few statements, however many votes the batch holds.
    status, already_flagged = _lock_and_read(db, session_id)
    if status != SessionStatus.OPEN:
        raise Conflict(_decided_message(db, session_id))
    # Read again under the lock: a request still running when we first looked (a retry, a
    # double click) may have cast this very vote meanwhile, and that one confirms it.
    voters = sorted({ballot.voter for _, ballot in waiting})
    connection = db.connection()
    stored = dict(connection.execute(_CHOICES, {"sid": session_id, "voters": voters}).all())
    current: dict[str, str] = dict(stored)
    changes: list[tuple[str, dict[str, Any]]] = []
    for index, ballot in waiting:
        before = current.get(ballot.voter)
        previous = GovernanceChoice(before) if before is not None else None
        if previous == ballot.choice:
            outcomes[index] = VoteResult(ballot.choice, previous, False, retried=True)
            continue
        outcomes[index] = VoteResult(ballot.choice, previous, True)
        current[ballot.voter] = ballot.choice.value
        changes.append((ballot.voter, {"session_id": session_id, "choice": ballot.choice.value,
                                       "previous": before}))  # fmt: skip
    if not changes:
        return
    # Only the batch that raises the flag queues a refresh (read under the lock, so exact).
    if not already_flagged and _raise_flag(db, session_id):
        _queue_refresh(db, session_id, team_id, default_zone)
    # Every vote on the session holds its row lock while it writes, so what was read under
    # the lock decides between a new row and a change: one statement each (one per batch).
    moment = now()
    changed = {voter for voter, _ in changes}
    new = [{"session_id": session_id, "voter": v, "choice": current[v], "created_at": moment}
           for v in sorted(changed) if v not in stored]  # fmt: skip
    kept = [{"sid": session_id, "who": v, "new_choice": current[v], "moment": moment}
            for v in sorted(changed) if v in stored]  # fmt: skip
    if new:
        connection.execute(_NEW_VOTE, new)
    if kept:
        connection.execute(_CHANGE_VOTE, kept)
    audit.record_many(
        db, team_id=team_id, action="governance.voted", workflow_id=workflow_id, entries=changes
    )


def lock_session(db: Session, session_id: int) -> None:
    """Lock the session row for the rest of the transaction (a no-op write).

    On PostgreSQL an UPDATE matching no row takes no lock, so the row is locked whatever the
    flag: a refresh lowering the flag (its first write, see take_refresh) then waits for this
    commit, or this transaction sees the flag lowered.
    """
    db.connection().execute(_TOUCH, {"sid": session_id})


def _lock_and_read(db: Session, session_id: int) -> tuple[str, bool]:
    """Lock the session row for the rest of the transaction; its status and 'refresh queued'
    flag as committed when the lock was granted. PostgreSQL: one SELECT … FOR UPDATE (which
    returns the row's newest version once it has waited); SQLite: the no-op write that takes
    the database's write lock, then the read."""
    if db.get_bind().dialect.name != "postgresql":
        lock_session(db, session_id)
    row = db.connection().execute(_LOCKED_READ, {"sid": session_id}).one()
    return str(row[0]), bool(row[1])


def queue_flag(db: Session, session_id: int) -> bool:
    """Lock the session row and raise its 'refresh queued' flag; True if this call raised it."""
    lock_session(db, session_id)
    return _raise_flag(db, session_id)


def _raise_flag(db: Session, session_id: int) -> bool:
    result = db.connection().execute(_RAISE_FLAG, {"sid": session_id})
    return bool(result.rowcount == 1)


def request_refresh(db: Session, *, session: GovernanceSession, default_zone: str) -> None:
    """Ask for the parent message to be redrawn (coalesced with any refresh already queued)."""
    if queue_flag(db, pk(session)):
        _queue_refresh(db, pk(session), session.team_id, default_zone)


def _queue_refresh(db: Session, sid: int, team_id: str, default_zone: str) -> None:
    key = f"{tally_key_prefix(sid)}{uuid.uuid4().hex}"
    outbox.render_message(
        db,
        key=key,
        method="chat.update",
        renderer=outbox.RendererName.GOVERNANCE_TALLY,
        args=render_args(sid, default_zone, key=key),
        of=parent_key(sid),
        team_id=team_id,
    )


def take_refresh(db: Session, *, session_id: int, key: str) -> bool:
    """Called as a refresh is about to be sent: lower the flag first (so any later vote queues
    a new refresh), then say whether to send it. An older refresh still waiting its turn will
    read the database when it goes, so a newer one is redundant.

    Lowering the flag must be the refresh's first write and come before it reads the tally: it
    locks the session row, so it waits for a vote in flight (which holds that lock, see
    queue_flag) and then reads that vote; a vote that comes after it sees the flag lowered.
    """
    db.exec(  # type: ignore[call-overload]
        update(GovernanceSession)
        .where(col(GovernanceSession.id) == session_id)
        .values(tally_queued=False)
    )
    mine = db.exec(select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)).first()
    older_waiting = db.exec(
        select(func.count())
        .where(col(OutboxMessage.idempotency_key).startswith(tally_key_prefix(session_id)))
        .where(OutboxMessage.status == OutboxStatus.PENDING)
        .where(col(OutboxMessage.id) < (mine or 0))
        .where(
            or_(col(OutboxMessage.locked_until).is_(None), col(OutboxMessage.locked_until) < now())
        )
    ).one()
    return int(older_waiting) == 0


def _decided_message(db: Session, session_id: int) -> str:
    decision = db.exec(select(Decision).where(Decision.session_id == session_id)).first()
    if decision is None:
        return "This governance thread is closed; votes can no longer change."
    return (
        f"The decision is already recorded (*{GovernanceChoice(decision.choice).label}* by "
        f"<@{decision.recorded_by}>), so votes can no longer change. Thanks for taking part!"
    )
