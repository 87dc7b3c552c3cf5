"""Acks never wait behind slow work: a storm of votes whose listeners are stuck after the ack
(their confirmations hang at Slack) is acked at once, click after click, and a form asked for
meanwhile opens at once; every vote is stored and confirmed once afterwards."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlmodel import select

from bot.app import ListenerPools
from handlers.middleware import LANE, Lane
from slackfake.server import RESPONSE_URL
from storage.models import Vote
from tests.cast import EVE
from tests.e2e.test_governance import MONDAY_9, open_threads, parents, settle, staffed

VOTERS = [f"U0V{n:05d}" for n in range(40)]  # more than the listener threads of both lanes
HANG_SECONDS = 5.0
# "At once": well under the hang an ack must not wait behind, with room for a loaded machine.
AT_ONCE = HANG_SECONDS / 2


def test_a_vote_storm_stuck_after_its_acks_delays_no_ack_and_no_form(bot, frozen_clock):
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    bot.fake.hang(RESPONSE_URL, seconds=HANG_SECONDS, times=len(VOTERS))

    started = time.monotonic()
    acks = [
        bot.sim.click(parent, user=user, action_id="governance-vote-continue", latest=False)
        for user in VOTERS
    ]
    assert [a.status for a in acks] == [200] * len(VOTERS)
    assert max(a.elapsed for a in acks) < AT_ONCE, sorted(a.elapsed for a in acks)[-3:]
    escalate = bot.sim.command("/escalate", "", user=EVE)
    assert escalate.status == 200 and escalate.elapsed < AT_ONCE
    [opened] = bot.fake.wait_for("views.open", timeout=HANG_SECONDS)
    assert opened.ok and opened.at - started < HANG_SECONDS, "the form waited for the votes"
    assert not any(bot.fake.responses(a.response_url) for a in acks[-8:]), "nothing hung"

    # Once Slack answers again, every vote is there and each voter was told once.
    for ack in acks:
        [told] = bot.fake.wait_for_responses(key=ack.response_url, timeout=60)
        assert "Your vote" in told["text"]
    with bot.session() as db:
        assert sorted(v.voter for v in db.exec(select(Vote)).all()) == VOTERS


def test_a_lane_takes_a_bounded_backlog_of_acks_sent_before_their_listener():
    pools = ListenerPools({Lane.PROMPT: 1, Lane.BACKGROUND: 1}, backlog=2)
    stuck = threading.Event()
    token = LANE.set(Lane.BACKGROUND)
    try:
        futures = [pools.submit(stuck.wait) for _ in range(3)]  # one runs, two wait (or three)
        assert not pools.has_room(Lane.BACKGROUND)
        assert pools.has_room(Lane.PROMPT), "a full background lane held the prompt lane"
    finally:
        stuck.set()
        LANE.reset(token)
    for future in futures:
        future.result(timeout=5)
    assert pools.has_room(Lane.BACKGROUND)
    pools.shutdown()


@pytest.fixture
def small_backlog(monkeypatch: pytest.MonkeyPatch) -> int:
    """The bot built next has 8 vote threads and each lane takes 2 early-acked requests
    waiting for a thread: how many votes it takes before turning clicks away."""
    monkeypatch.setattr("bot.app.BACKGROUND_THREADS", 8)
    monkeypatch.setattr("bot.app.LANE_BACKLOG", 2)
    return 8 + 2


def held_votes_parent(bot, frozen_clock, monkeypatch: pytest.MonkeyPatch) -> dict:
    """This week's thread parent; votes held on a lock wait for it while the clicks are sent
    on a slow machine, rather than give up after the usual 2 s and free their threads."""
    monkeypatch.setattr("handlers.middleware.REQUEST_LOCK_WAIT_SECONDS", 30.0)
    staffed(bot, frozen_clock)
    frozen_clock.current = MONDAY_9
    open_threads(bot)
    settle(bot, frozen_clock)
    [parent] = parents(bot)
    return parent


@contextmanager
def database_locked(bot) -> Iterator[None]:
    """Another writer holds the bot's SQLite database for the block."""
    holder = sqlite3.connect(bot.settings.database_url.removeprefix("sqlite:///"), timeout=30,
                             isolation_level=None)  # fmt: skip
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_past_its_backlog_a_lane_turns_requests_away_at_once_changing_nothing(
    small_backlog, bot, frozen_clock, monkeypatch
):
    """The votes' thread is locked by another writer for a moment: 8 votes hold the background
    threads, 2 wait; the rest are answered at once that Cadence is too busy, and not stored."""
    parent = held_votes_parent(bot, frozen_clock, monkeypatch)
    taken = small_backlog
    with database_locked(bot):
        acks = [
            bot.sim.click(parent, user=user, action_id="governance-vote-pause", latest=False)
            for user in VOTERS[:20]
        ]
        busy = [bot.fake.wait_for_responses(key=a.response_url)[0] for a in acks[taken:]]
    assert [a.status for a in acks] == [200] * 20 and max(a.elapsed for a in acks) < AT_ONCE
    assert all("nothing was done" in b["text"] for b in busy)
    for ack in acks[:taken]:
        [told] = bot.fake.wait_for_responses(key=ack.response_url, timeout=30)
        assert "Your vote" in told["text"]
    with bot.session() as db:
        assert sorted(v.voter for v in db.exec(select(Vote)).all()) == VOTERS[:taken]


def test_a_click_turned_away_is_acked_at_once_when_its_busy_reply_hangs_at_slack(
    small_backlog, bot, frozen_clock, monkeypatch
):
    """The "try again" of a click an overloaded process turns away is said after the ack: a
    response_url that hangs delays the reply, never the ack."""
    parent = held_votes_parent(bot, frozen_clock, monkeypatch)
    taken = small_backlog
    with database_locked(bot):
        for user in VOTERS[:taken]:
            bot.sim.click(parent, user=user, action_id="governance-vote-pause", latest=False)
        bot.fake.hang(RESPONSE_URL, seconds=HANG_SECONDS)
        turned_away = bot.sim.click(
            parent, user=VOTERS[taken], action_id="governance-vote-pause", latest=False
        )
    assert turned_away.status == 200
    assert turned_away.elapsed < AT_ONCE, "the ack waited for the busy reply"
    [busy] = bot.fake.wait_for_responses(key=turned_away.response_url, timeout=2 * HANG_SECONDS)
    assert "nothing was done" in busy["text"]
