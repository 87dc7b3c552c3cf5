"""Votes on a governance session and the coalesced live tally of its parent message."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, func, insert, or_, update
from sqlmodel import Session, col, select

from cadence import audit, outbox
from cadence.errors import Conflict, InvalidInput
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
_FIRST_LOOK = (
    select(_SESSIONS.c.workflow_id, _SESSIONS.c.status, _VOTES.c.choice)
    .select_from(
        _SESSIONS.outerjoin(
            _VOTES, and_(_VOTES.c.session_id == _SESSIONS.c.id, _VOTES.c.voter == _VOTER)
        )
    )
    .where(_SESSIONS.c.id == _SESSION, _SESSIONS.c.team_id == bindparam("team_id"))
)
_CHOICE = select(_VOTES.c.choice).where(_VOTES.c.session_id == _SESSION, _VOTES.c.voter == _VOTER)
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
    if choice not in VOTE_CHOICES:
        raise InvalidInput("That is not one of the choices to vote for.")
    # One read before the lock: the session (is it this workspace's, still open?) and the
    # voter's vote as committed now. Clicking the vote you already have changes nothing.
    connection = db.connection()
    found = connection.execute(
        _FIRST_LOOK, {"sid": session_id, "who": voter, "team_id": team_id}
    ).first()
    if found is None:
        raise InvalidInput("That governance thread no longer exists.")
    workflow_id, status, seen = found
    if status != SessionStatus.OPEN:
        raise Conflict(_decided_message(db, session_id))
    if seen == choice.value:
        return VoteResult(choice, choice, False)
    # Lock the session row (the write lock on SQLite), ordering this vote against other votes
    # and against a refresh lowering the flag. What follows holds the lock until the commit,
    # so it is kept to a few statements.
    status, already_flagged = _lock_and_read(db, session_id)
    if status != SessionStatus.OPEN:
        raise Conflict(_decided_message(db, session_id))
    # Read again under the lock: a request still running when we first looked (a retry, a
    # double click) may have cast this very vote meanwhile, and that one confirms it.
    previous = _choice_of(db, session_id, voter)
    if previous == choice:
        return VoteResult(choice, previous, False, retried=True)
    # Only the vote that raises the flag queues a refresh (read under the lock, so exact).
    flagged = not already_flagged and _raise_flag(db, session_id)
    moment = now()
    # Every vote on the session holds its row lock while it writes, so what was read under
    # the lock decides between a new row and a change: one statement either way.
    if previous is None:
        connection.execute(
            _NEW_VOTE,
            {
                "session_id": session_id,
                "voter": voter,
                "choice": choice.value,
                "created_at": moment,
            },
        )
    else:
        connection.execute(
            _CHANGE_VOTE,
            {"sid": session_id, "who": voter, "new_choice": choice.value, "moment": moment},
        )
    if flagged:
        _queue_refresh(db, session_id, team_id, default_zone)
    audit.record(
        db,
        team_id=team_id,
        actor=voter,
        action="governance.voted",
        workflow_id=workflow_id,
        session_id=session_id,
        choice=choice.value,
        previous=previous.value if previous else None,
    )
    return VoteResult(choice, previous, True)


def _choice_of(db: Session, session_id: int, voter: str) -> GovernanceChoice | None:
    """The voter's current vote as the database holds it now (not the session's cached row)."""
    stored = db.connection().execute(_CHOICE, {"sid": session_id, "who": voter})
    choice = stored.scalar()
    return GovernanceChoice(choice) if choice is not None else None


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


def tally(db: Session, *, session_id: int) -> dict[GovernanceChoice, int]:
    """Votes per choice (every choice present, zero when nobody chose it)."""
    counts = dict.fromkeys(VOTE_CHOICES, 0)
    rows = db.exec(
        select(Vote.choice, func.count()).where(Vote.session_id == session_id).group_by(Vote.choice)
    ).all()
    for choice, count in rows:
        if choice in VOTE_CHOICES:
            counts[GovernanceChoice(choice)] = int(count)
    return counts


def leading_choice(counts: dict[GovernanceChoice, int]) -> GovernanceChoice | None:
    """The choice with the most votes, or None when nobody voted or the top is tied."""
    best = max(counts.values(), default=0)
    leaders = [c for c, n in counts.items() if n == best]
    return leaders[0] if best > 0 and len(leaders) == 1 else None


def _decided_message(db: Session, session_id: int) -> str:
    decision = db.exec(select(Decision).where(Decision.session_id == session_id)).first()
    if decision is None:
        return "This governance thread is closed; votes can no longer change."
    return (
        f"The decision is already recorded (*{GovernanceChoice(decision.choice).label}* by "
        f"<@{decision.recorded_by}>), so votes can no longer change. Thanks for taking part!"
    )
