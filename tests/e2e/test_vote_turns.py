"""Votes on one governance thread take turns until each has committed: the next vote never
waits on the thread's row lock (past REQUEST_LOCK_WAIT_SECONDS it would be told "try again"),
and the turns of a busy process do not pile up one lock per thread ever voted on."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlmodel import select

from handlers.turns import Turns
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


def test_a_key_no_one_holds_or_waits_for_is_forgotten():
    turns = Turns()
    for key in range(1000):
        with turns.turn(key):
            assert len(turns) == 1
    assert len(turns) == 0


def test_turns_on_one_key_never_overlap_and_leave_nothing_behind():
    turns, inside, overlaps = Turns(), [0], []
    guard = threading.Lock()

    def vote() -> None:
        for _ in range(200):
            with turns.turn("thread"):
                with guard:
                    inside[0] += 1
                    overlaps.append(inside[0] > 1)
                time.sleep(0)
                with guard:
                    inside[0] -= 1

    threads = [threading.Thread(target=vote) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(overlaps) == 1600 and not any(overlaps)
    assert len(turns) == 0
