"""`cadence-bot run` stopped with SIGTERM right after acking a burst of votes it has not
recorded yet: it finishes them before it exits (what is acked early is done, not dropped)."""

from __future__ import annotations

import signal

from sqlmodel import select

from benchmarks.threads import parent_message
from slackfake.server import RESPONSE_URL
from storage.db import make_engine, session_scope
from storage.models import Vote
from tests.bot.test_server import cadence_server, seed_due_work

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
