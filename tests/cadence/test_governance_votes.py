"""Votes, the coalesced live tally (the last update equals the database) and update pacing."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.app import build_deliverer
from bot.outbox_worker import OutboxWorker
from cadence.errors import Conflict
from cadence.governance import tally as governance_tally
from cadence.governance import threads as governance
from cadence.governance import votes as governance_votes
from cadence.vocabulary import VOTE_CHOICES, GovernanceChoice, OutboxStatus, SessionStatus
from storage import clock
from storage.db import new_session, session_scope
from storage.models import GovernanceSession, OutboxMessage, Vote
from tests.cadence.helpers import make_workflow
from tests.conftest import make_settings

TEAM = "T0TEAM"
CHOICES = list(VOTE_CHOICES)
TALLY = re.compile(
    r"Continue \*(\d+)\* · Stabilize \*(\d+)\* · Pause \*(\d+)\* · "
    r"Stop & redesign \*(\d+)\*"
)


def open_one(engine) -> int:
    """A workflow registered a day ago and its session for this week, opened now."""
    clock.set_clock(lambda: datetime.now(UTC) - timedelta(days=1))
    with session_scope(engine) as db:
        workflow = make_workflow(db)
    clock.set_clock(None)
    with session_scope(engine) as db:
        session = governance.open_session(
            db,
            workflow_id=workflow.id,
            week_start=date(2026, 11, 23),
            opening=datetime.now(UTC),
            default_zone="UTC",
        )
        assert session is not None
        return session.id


def vote(engine, sid: int, voter: str, choice: GovernanceChoice) -> governance_votes.VoteResult:
    with session_scope(engine) as db:
        return governance_votes.cast_vote(
            db, session_id=sid, voter=voter, choice=choice, team_id=TEAM, default_zone="UTC"
        )


def pending_refreshes(engine, sid: int) -> list[OutboxMessage]:
    with new_session(engine) as db:
        rows = db.exec(
            select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        ).all()
    return [r for r in rows if r.idempotency_key.startswith(governance.tally_key_prefix(sid))]


def db_tally(engine, sid: int) -> tuple[int, ...]:
    with new_session(engine) as db:
        counts = governance_tally.tally(db, session_id=sid)
    return tuple(counts[c] for c in CHOICES)


def shown_tally(call) -> tuple[int, ...]:
    text = "\n".join(b["text"]["text"] for b in call.params["blocks"] if b.get("text"))
    match = TALLY.search(text)
    assert match, text
    return tuple(int(n) for n in match.groups())


@pytest.fixture
def deliverer(fake_slack, engine):
    settings = make_settings(fake_slack, str(engine.url))
    return build_deliverer(settings, engine, retries=False, channel_pace=0)


def test_a_burst_of_votes_queues_one_refresh_and_it_shows_the_database(
    engine, deliverer, fake_slack
):
    sid = open_one(engine)
    deliverer.deliver_due()  # the parent goes out
    for n in range(40):
        vote(engine, sid, f"U{n:03d}", CHOICES[n % 4])
    assert len(pending_refreshes(engine, sid)) == 1
    deliverer.deliver_due()
    [update] = fake_slack.calls_to("chat.update")
    assert shown_tally(update) == db_tally(engine, sid) == (10, 10, 10, 10)
    with new_session(engine) as db:
        assert db.get(GovernanceSession, sid).tally_queued is False
    vote(engine, sid, "U000", GovernanceChoice.PAUSE)  # a change after the refresh went out
    deliverer.deliver_due()
    assert shown_tally(fake_slack.calls_to("chat.update")[-1]) == (9, 10, 11, 10)


def test_changing_and_repeating_a_vote(engine):
    sid = open_one(engine)
    first = vote(engine, sid, "UMARIA", GovernanceChoice.CONTINUE)
    changed = vote(engine, sid, "UMARIA", GovernanceChoice.PAUSE)
    same = vote(engine, sid, "UMARIA", GovernanceChoice.PAUSE)
    assert (first.previous, first.changed) == (None, True)
    assert (changed.previous, changed.changed) == (GovernanceChoice.CONTINUE, True)
    assert same.changed is False
    with new_session(engine) as db:
        assert [(v.voter, v.choice) for v in db.exec(select(Vote)).all()] == [("UMARIA", "pause")]
    assert governance_tally.leading_choice(dict(zip(CHOICES, (1, 0, 2, 0), strict=True))) == "pause"
    assert governance_tally.leading_choice(dict(zip(CHOICES, (2, 0, 2, 0), strict=True))) is None


def test_votes_are_refused_once_decided(engine):
    sid = open_one(engine)
    with session_scope(engine) as db:
        db.get(GovernanceSession, sid).status = SessionStatus.DECIDED
    with pytest.raises(Conflict, match="can no longer change"):
        vote(engine, sid, "UEVE", GovernanceChoice.CONTINUE)
    with new_session(engine) as db:
        assert db.exec(select(Vote)).all() == []
        assert db.get(GovernanceSession, sid).tally_queued is False


def test_a_refresh_waiting_its_turn_makes_newer_ones_redundant(engine, deliverer, fake_slack):
    sid = open_one(engine)
    deliverer.deliver_due()
    vote(engine, sid, "U1", GovernanceChoice.CONTINUE)
    # The first refresh was prepared (lowering the flag) but held back, as pacing does...
    [older] = pending_refreshes(engine, sid)
    with session_scope(engine) as db:
        assert governance_votes.take_refresh(db, session_id=sid, key=older.idempotency_key)
        db.get(OutboxMessage, older.id).next_attempt_at = datetime.now(UTC) + timedelta(hours=1)
    vote(engine, sid, "U2", GovernanceChoice.PAUSE)  # ...so this vote queues another one,
    deliverer.deliver_due()  # which is dropped: the waiting one will read the database.
    assert fake_slack.calls_to("chat.update") == []
    assert [r.id for r in pending_refreshes(engine, sid)] == [older.id]
    clock.set_clock(lambda: datetime.now(UTC) + timedelta(hours=2))
    deliverer.deliver_due()
    clock.set_clock(None)
    [update] = fake_slack.calls_to("chat.update")
    assert shown_tally(update) == (1, 0, 1, 0)


def test_a_real_burst_is_coalesced_and_paced_and_ends_equal_to_the_database(engine, fake_slack):
    """500 votes from 10 threads in a few seconds, a running worker pacing updates at 0.2 s."""
    settings = make_settings(fake_slack, str(engine.url))
    deliverer = build_deliverer(settings, engine, retries=False, channel_pace=0.2)
    sid = open_one(engine)
    deliverer.deliver_due()
    worker = OutboxWorker(deliverer, interval=0.05)
    worker.start()
    started = time.monotonic()

    def voter(offset: int) -> None:
        for n in range(50):
            vote(engine, sid, f"U{offset}{n:03d}", CHOICES[(offset + n) % 4])
            worker.kick()

    threads = [threading.Thread(target=voter, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    elapsed = time.monotonic() - started
    expected = db_tally(engine, sid)
    assert sum(expected) == 500
    fake_slack.wait_for(
        lambda: (sent := fake_slack.calls_to("chat.update")) and shown_tally(sent[-1]) == expected,
        timeout=15,
    )
    worker.stop()
    sent_while_running = len(fake_slack.calls_to("chat.update"))
    assert sent_while_running <= elapsed / 0.2 + 4, (sent_while_running, elapsed)
    # Anything still held back by pacing goes out now and shows the same, final state.
    deliverer.channel_pace = 0
    clock.set_clock(lambda: datetime.now(UTC) + timedelta(seconds=5))
    deliverer.deliver_due()
    clock.set_clock(None)
    assert pending_refreshes(engine, sid) == []
    assert shown_tally(fake_slack.calls_to("chat.update")[-1]) == expected
