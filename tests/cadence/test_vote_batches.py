"""cast_votes: a batch of votes on one thread ends as the same votes cast one by one would,
each with the outcome cast_vote would have given it, in one step of the audit chain."""

from __future__ import annotations

import pytest
from sqlmodel import select

from cadence.errors import Conflict, InvalidInput
from cadence.governance import votes as governance_votes
from cadence.governance.votes import Ballot, VoteResult
from cadence.vocabulary import GovernanceChoice, SessionStatus
from storage.audit_verify import verify_chain
from storage.db import new_session, session_scope
from storage.models import GovernanceSession, Vote
from tests.cadence.helpers import audit_rows
from tests.cadence.test_governance_votes import TEAM, open_one, pending_refreshes, vote

PAUSE, CONTINUE, STABILIZE = (GovernanceChoice.PAUSE, GovernanceChoice.CONTINUE,
                              GovernanceChoice.STABILIZE)  # fmt: skip


def cast_batch(engine, sid: int, ballots: list[Ballot], team: str = TEAM):
    with session_scope(engine) as db:
        return governance_votes.cast_votes(
            db, session_id=sid, ballots=ballots, team_id=team, default_zone="UTC"
        )


def stored(engine) -> dict[str, str]:
    with new_session(engine) as db:
        return {v.voter: v.choice for v in db.exec(select(Vote)).all()}


def test_a_batch_ends_as_the_same_votes_one_by_one_and_tells_each_voter_the_same(any_engine):
    sid = open_one(any_engine)
    vote(any_engine, sid, "UANNA", PAUSE)
    vote(any_engine, sid, "UBEN", CONTINUE)
    outcomes = cast_batch(any_engine, sid, [
        Ballot("UANNA", PAUSE),  # the vote she already has: said again, nothing changes
        Ballot("UBEN", STABILIZE),  # a change
        Ballot("UCLEO", PAUSE),  # a new vote
        Ballot("UCLEO", PAUSE),  # her double click, in the same batch: silent
        Ballot("UDAN", CONTINUE),
        Ballot("UDAN", PAUSE),  # he changed his mind within the batch
    ])  # fmt: skip
    assert outcomes == [
        VoteResult(PAUSE, PAUSE, False),
        VoteResult(STABILIZE, CONTINUE, True),
        VoteResult(PAUSE, None, True),
        VoteResult(PAUSE, PAUSE, False, retried=True),
        VoteResult(CONTINUE, None, True),
        VoteResult(PAUSE, CONTINUE, True),
    ]
    assert stored(any_engine) == {"UANNA": "pause", "UBEN": "stabilize", "UCLEO": "pause",
                                  "UDAN": "pause"}  # fmt: skip
    with new_session(any_engine) as db:
        voted = [(e.actor, e.detail["choice"], e.detail["previous"]) for e in audit_rows(db)
                 if e.action == "governance.voted"]  # fmt: skip
        assert voted[2:] == [("UBEN", "stabilize", "continue"), ("UCLEO", "pause", None),
                             ("UDAN", "continue", None), ("UDAN", "pause", "continue")]  # fmt: skip
        assert verify_chain(db).ok, verify_chain(db).problem
    assert len(pending_refreshes(any_engine, sid)) == 1, "one coalesced refresh"


def test_a_batch_links_into_the_chain_between_single_appends(any_engine):
    sid = open_one(any_engine)
    vote(any_engine, sid, "U1", PAUSE)
    cast_batch(any_engine, sid, [Ballot(f"UB{i}", CONTINUE) for i in range(25)])
    vote(any_engine, sid, "U2", PAUSE)
    with new_session(any_engine) as db:
        check = verify_chain(db)
        assert check.ok, check.problem
        seqs = [e.seq for e in audit_rows(db) if e.team_id == TEAM]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert len(stored(any_engine)) == 27


def test_one_bad_ballot_is_refused_alone(any_engine):
    sid = open_one(any_engine)
    outcomes = cast_batch(
        any_engine, sid, [Ballot("U1", GovernanceChoice.SKIPPED), Ballot("U2", PAUSE)]
    )
    assert isinstance(outcomes[0], InvalidInput), "skipping a week is not a vote"
    assert outcomes[1] == VoteResult(PAUSE, None, True)
    assert stored(any_engine) == {"U2": "pause"}


@pytest.mark.parametrize("team", [TEAM, "T0OTHER"])
def test_a_decided_or_foreign_session_refuses_the_whole_batch(any_engine, team):
    sid = open_one(any_engine)
    if team == TEAM:
        with session_scope(any_engine) as db:
            session = db.get(GovernanceSession, sid)
            session.status = SessionStatus.DECIDED
            db.add(session)
    expected = Conflict if team == TEAM else InvalidInput
    with pytest.raises(expected):
        cast_batch(any_engine, sid, [Ballot("U1", PAUSE), Ballot("U2", CONTINUE)], team=team)
    assert stored(any_engine) == {}
