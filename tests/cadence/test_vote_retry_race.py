"""A vote retried (or double-clicked) while the first request is still running is invisible:
one vote, one `governance.voted` audit row, one confirmation, on SQLite and PostgreSQL.

The first request has written its vote and holds the session row, uncommitted; the retry reads
before that commit, then waits for the lock. Once the first commits, the retry must see the vote
it was about to cast and change nothing.
"""

from __future__ import annotations

import threading

from sqlalchemy import Engine, event
from sqlmodel import select

from cadence.governance import votes as governance_votes
from cadence.vocabulary import GovernanceChoice
from handlers.actions.governance import vote_confirmation
from storage.db import new_session
from storage.models import Vote
from tests.cadence.helpers import audit_actions, wait_until_blocked_or_done
from tests.cadence.test_governance_votes import TEAM, open_one, pending_refreshes, vote
from tests.cadence.test_vote_tally_race import in_thread


def cast_uncommitted(engine: Engine, sid: int, voter: str, choice: GovernanceChoice):
    """The first request: its vote written, the session row held, not committed yet."""
    first = new_session(engine)
    result = governance_votes.cast_vote(
        first, session_id=sid, voter=voter, choice=choice, team_id=TEAM, default_zone="UTC"
    )
    return first, result


def race(engine: Engine, sid: int, first_choice: GovernanceChoice, retry: GovernanceChoice):
    """The first request in flight, the retry arriving meanwhile; both results."""
    first, first_result = cast_uncommitted(engine, sid, "UMARIA", first_choice)
    writing = threading.Event()

    def first_write(_conn, _cursor, statement: str, *_args: object) -> None:
        sql = statement.lstrip().upper()
        if sql.startswith("UPDATE") or sql.endswith("FOR UPDATE"):
            writing.set()  # everything the retry reads before it locks the row is read by now

    event.listen(engine, "before_cursor_execute", first_write)
    try:
        thread, out = in_thread(lambda: vote(engine, sid, "UMARIA", retry))
        assert writing.wait(10) or not thread.is_alive()
        wait_until_blocked_or_done(engine, thread)
    finally:
        event.remove(engine, "before_cursor_execute", first_write)
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    [late] = out
    assert isinstance(late, governance_votes.VoteResult), late
    return first_result, late


def voted_rows(engine: Engine) -> int:
    with new_session(engine) as db:
        return audit_actions(db).count("governance.voted")


def test_a_retried_vote_while_the_first_runs_is_recorded_and_confirmed_once(any_engine):
    sid = open_one(any_engine)
    first, late = race(any_engine, sid, GovernanceChoice.PAUSE, GovernanceChoice.PAUSE)
    assert (first.changed, first.previous) == (True, None)
    assert late.changed is False
    assert voted_rows(any_engine) == 1, "the retry wrote a second governance.voted row"
    assert vote_confirmation(first) is not None
    assert vote_confirmation(late) is None, "the retry would send a second confirmation"
    assert len(pending_refreshes(any_engine, sid)) == 1
    with new_session(any_engine) as db:
        assert [(v.voter, v.choice) for v in db.exec(select(Vote)).all()] == [("UMARIA", "pause")]


def test_a_different_vote_while_the_first_runs_is_a_change_from_it(any_engine):
    sid = open_one(any_engine)
    _, late = race(any_engine, sid, GovernanceChoice.PAUSE, GovernanceChoice.CONTINUE)
    assert (late.changed, late.previous) == (True, GovernanceChoice.PAUSE)
    assert voted_rows(any_engine) == 2
    pause, cont = GovernanceChoice.PAUSE.label, GovernanceChoice.CONTINUE.label
    assert f"Vote changed from *{pause}* to *{cont}*" in (vote_confirmation(late) or "")
    with new_session(any_engine) as db:
        assert [v.choice for v in db.exec(select(Vote)).all()] == ["continue"]


def test_a_repeated_click_after_the_first_committed_is_answered(any_engine):
    sid = open_one(any_engine)
    vote(any_engine, sid, "UMARIA", GovernanceChoice.PAUSE)
    again = vote(any_engine, sid, "UMARIA", GovernanceChoice.PAUSE)
    assert again.changed is False
    label = GovernanceChoice.PAUSE.label
    assert vote_confirmation(again) == f"You already voted *{label}*; your vote stands."
    assert voted_rows(any_engine) == 1
