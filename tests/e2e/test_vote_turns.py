"""Votes on one governance thread are stored in batches, each committed before the next
begins: the next vote never waits on the thread's row lock (past REQUEST_LOCK_WAIT_SECONDS it
would be told "try again"), and the votes that arrive while one batch commits are stored
together by the next (handlers/batches.py)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import select

from handlers.actions.governance import VOTE_BATCHES
from storage.models import Vote
from tests.e2e.test_governance import MONDAY_9, open_threads, parents, settle, staffed

LOCK_WAIT = 0.3
SLOW_COMMIT = 1.0  # well past LOCK_WAIT


@pytest.fixture
def first_vote_commits_slowly(monkeypatch: pytest.MonkeyPatch):
    """A request waits LOCK_WAIT for a database lock; the first vote's commit takes
    SLOW_COMMIT (between its listener's return and the database commit, lock held)."""
    monkeypatch.setattr("handlers.middleware.REQUEST_LOCK_WAIT_SECONDS", LOCK_WAIT)
    slowed = threading.Event()

    def slow(_db: Session) -> None:
        if threading.current_thread().name.startswith("bolt-background") and not slowed.is_set():
            slowed.set()
            time.sleep(SLOW_COMMIT)

    event.listen(Session, "before_commit", slow)
    yield slowed
    event.remove(Session, "before_commit", slow)


def test_the_next_vote_waits_for_the_previous_commit_not_on_the_row_lock(
    first_vote_commits_slowly, bot, frozen_clock
):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    voters = ["U0TURN001", "U0TURN002", "U0TURN003"]
    acks = [
        bot.sim.click(parent, user=user, action_id="governance-vote-pause", latest=False)
        for user in voters
    ]
    assert [a.status for a in acks] == [200] * len(voters)
    for ack in acks:
        [told] = bot.fake.wait_for_responses(key=ack.response_url, timeout=10)
        assert "Your vote" in told["text"], told["text"]
    assert first_vote_commits_slowly.is_set()
    with bot.session() as db:
        assert sorted(v.voter for v in db.exec(select(Vote)).all()) == voters


def test_votes_arriving_during_a_slow_commit_are_stored_together_and_each_confirmed_once(
    first_vote_commits_slowly, bot, frozen_clock
):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    batches_before = VOTE_BATCHES.batches_run
    voters = [f"U0BAT{i:04d}" for i in range(24)]
    acks = [bot.sim.click(parent, user=voters[0], action_id="governance-vote-pause", latest=False)]
    assert first_vote_commits_slowly.wait(5)  # the first vote's batch is committing, slowly
    acks += [
        bot.sim.click(parent, user=user, action_id="governance-vote-continue", latest=False)
        for user in voters[1:]
    ]
    assert [a.status for a in acks] == [200] * len(voters)
    for ack in acks:
        [told] = bot.fake.wait_for_responses(key=ack.response_url, timeout=10)
        assert "Your vote" in told["text"], told["text"]
    with bot.session() as db:
        stored = {v.voter: v.choice for v in db.exec(select(Vote)).all()}
    assert stored == {voters[0]: "pause", **dict.fromkeys(voters[1:], "continue")}
    # The 23 votes queued behind the slow commit needed far fewer transactions than votes.
    assert VOTE_BATCHES.batches_run - batches_before <= 6, VOTE_BATCHES.batches_run
    assert len(VOTE_BATCHES) == 0
