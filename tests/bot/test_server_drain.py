"""`cadence-bot run` stopped with SIGTERM right after acking a burst of votes it has not
recorded yet: it finishes them before it exits (what is acked early is done, not dropped),
even with a full backlog and a Slack that never answers the confirmations."""

from __future__ import annotations

import signal
import time

from sqlmodel import select

from benchmarks.threads import parent_message
from bot.app import LANE_BACKLOG
from bot.server import GRACEFUL_TIMEOUT_SECONDS
from slackfake.server import RESPONSE_URL
from storage.db import make_engine, session_scope
from storage.models import Vote
from tests.bot import test_server
from tests.bot.test_server import cadence_server, seed_due_work

database_url = test_server.database_url  # the fixture: on PostgreSQL and SQLite

VOTERS = [f"U0D{n:05d}" for n in range(20)]


def test_sigterm_after_early_acks_finishes_the_work_before_exiting(fake_slack, tmp_path):
    url = f"sqlite:///{tmp_path / 'cadence.db'}"
    seed_due_work(fake_slack, url)
    with cadence_server(fake_slack, tmp_path, url) as server:
        parent = parent_message(fake_slack, "C0SRV000")
        fake_slack.hang(RESPONSE_URL, seconds=1.0, times=len(VOTERS))
        sim = server.sim(fake_slack)
        acks = [sim.click(parent, user=u, action_id="governance-vote-pause", latest=False)
                for u in VOTERS]  # fmt: skip
        assert [a.status for a in acks] == [200] * len(VOTERS)
        assert max(a.elapsed for a in acks) < 1.0, "acked only after the work"
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
    engine = make_engine(url)
    try:
        with session_scope(engine) as db:
            assert sorted(v.voter for v in db.exec(select(Vote)).all()) == VOTERS
    finally:
        engine.dispose()
    for ack in acks:
        [told] = fake_slack.responses(ack.response_url)
        assert "Your vote" in told["text"]


# The background lane full: its threads busy and the rest of the backlog waiting (one short of
# the limit, so none is turned away whatever the threads' timing).
BACKLOG_VOTERS = [f"U0B{n:05d}" for n in range(LANE_BACKLOG)]


def test_sigterm_with_a_full_backlog_and_a_hanging_slack_stores_every_acked_vote(
    fake_slack, tmp_path, database_url
):
    seed_due_work(fake_slack, database_url)
    with cadence_server(fake_slack, tmp_path, database_url) as server:
        parent = parent_message(fake_slack, "C0SRV000")
        fake_slack.hang(RESPONSE_URL, seconds=120.0, times=len(BACKLOG_VOTERS))
        sim = server.sim(fake_slack)
        acks = [sim.click(parent, user=u, action_id="governance-vote-pause", latest=False)
                for u in BACKLOG_VOTERS]  # fmt: skip
        assert [a.status for a in acks] == [200] * len(BACKLOG_VOTERS)
        assert max(a.elapsed for a in acks) < 1.0, "acked only after the work"
        stopping = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(30) == 0
        stopped_in = time.monotonic() - stopping
    assert stopped_in < GRACEFUL_TIMEOUT_SECONDS, "killed by gunicorn, not stopped"
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            votes = db.exec(select(Vote)).all()
    finally:
        engine.dispose()
    assert sorted(v.voter for v in votes) == BACKLOG_VOTERS, "an acked vote was lost"
    assert not any(fake_slack.responses(a.response_url) for a in acks), "Slack answered"
