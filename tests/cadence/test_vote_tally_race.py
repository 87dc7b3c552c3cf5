"""The coalesced live tally under concurrency: once every vote has committed and every queued
refresh has been rendered, the last tally shown equals the database, on SQLite and PostgreSQL.

A vote in flight holds the session row; a refresh lowers the flag (its first write) before it
reads the tally, so either the refresh waits for the vote and shows it, or the vote sees the flag
lowered and queues a new refresh. These tests hold one side open while the other runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine

from cadence.governance import votes
from cadence.vocabulary import GovernanceChoice, OutboxStatus
from handlers.renderers.governance import render_tally
from storage.db import new_session, session_scope
from storage.models import OutboxMessage
from tests.cadence.helpers import wait_until_blocked_or_done
from tests.cadence.test_governance_votes import (
    CHOICES,
    TALLY,
    TEAM,
    db_tally,
    open_one,
    pending_refreshes,
    vote,
)

Shown = tuple[int, ...]


def shown(rendered: dict) -> Shown:
    """The tally a rendered parent message shows."""
    blocks = "\n".join(b["text"]["text"] for b in rendered["blocks"] if b.get("text"))
    match = TALLY.search(blocks)
    assert match, blocks
    return tuple(int(n) for n in match.groups())


def render(db, refresh: OutboxMessage) -> Shown | None:
    """What the deliverer does with one refresh, in the caller's transaction: render it now."""
    rendered = render_tally(db, dict(refresh.payload["args"]))
    message = db.get(OutboxMessage, refresh.id)
    message.status = OutboxStatus.SENT if rendered is not None else OutboxStatus.SKIPPED
    return shown(rendered) if rendered is not None else None


def render_pending(engine: Engine, sid: int) -> list[Shown]:
    """Render every queued refresh, oldest first, each in its own transaction."""
    sent = []
    while refreshes := pending_refreshes(engine, sid):
        with session_scope(engine) as db:
            tally = render(db, refreshes[0])
        if tally is not None:
            sent.append(tally)
    return sent


def in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list]:
    """Run `work` in a thread; its result (or exception) lands in the returned list."""
    out: list = []

    def run() -> None:
        try:
            out.append(work())
        except BaseException as exc:  # surfaced by the test
            out.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


def test_a_vote_still_open_while_its_refresh_renders_is_shown(any_engine):
    sid = open_one(any_engine)
    vote(any_engine, sid, "UAAA", GovernanceChoice.CONTINUE)  # raises the flag, queues R
    [refresh] = pending_refreshes(any_engine, sid)
    voter = new_session(any_engine)  # a second vote, written but not committed yet
    votes.cast_vote(
        voter,
        session_id=sid,
        voter="UBBB",
        choice=GovernanceChoice.PAUSE,
        team_id=TEAM,
        default_zone="UTC",
    )

    def deliver() -> Shown | None:  # the deliverer renders R meanwhile
        with session_scope(any_engine) as db:
            return render(db, refresh)

    thread, out = in_thread(deliver)
    wait_until_blocked_or_done(any_engine, thread)
    voter.commit()
    voter.close()
    thread.join(30)
    assert not thread.is_alive()
    [first] = out
    sent = [first, *render_pending(any_engine, sid)]
    assert db_tally(any_engine, sid) == (1, 0, 1, 0)
    assert sent[-1] == (1, 0, 1, 0), f"the tally stays at {sent[-1]}"


def test_a_vote_arriving_while_a_refresh_renders_queues_another(any_engine):
    sid = open_one(any_engine)
    vote(any_engine, sid, "UAAA", GovernanceChoice.CONTINUE)
    [refresh] = pending_refreshes(any_engine, sid)
    deliverer = new_session(any_engine)  # R has lowered the flag and read the tally: (1, 0, 0, 0)
    first = render(deliverer, refresh)
    thread, out = in_thread(lambda: vote(any_engine, sid, "UBBB", GovernanceChoice.PAUSE))
    wait_until_blocked_or_done(any_engine, thread)
    deliverer.commit()
    deliverer.close()
    thread.join(30)
    assert not thread.is_alive()
    [result] = out
    assert isinstance(result, votes.VoteResult), result
    sent = [first, *render_pending(any_engine, sid)]
    assert db_tally(any_engine, sid) == (1, 0, 1, 0)
    assert sent[-1] == (1, 0, 1, 0), f"the tally stays at {sent[-1]}"


def test_votes_racing_a_rendering_loop_end_equal_to_the_database(any_engine):
    voters, each = 6, 15
    sid = open_one(any_engine)
    sent: list[Shown] = []
    voting = threading.Event()
    voting.set()

    def deliverer_loop() -> None:
        while voting.is_set():
            sent.extend(render_pending(any_engine, sid))

    def voter(offset: int) -> None:
        for n in range(each):  # a new vote, then a changed one: both move the tally
            vote(any_engine, sid, f"U{offset}{n:03d}", CHOICES[(offset + n) % 4])
            vote(any_engine, sid, f"U{offset}{n:03d}", CHOICES[(offset + n + 1) % 4])

    loop, loop_out = in_thread(deliverer_loop)
    threads = [in_thread(lambda i=i: voter(i)) for i in range(voters)]
    for thread, out in threads:
        thread.join(120)
        assert not thread.is_alive()
        assert not any(isinstance(o, BaseException) for o in out), out
    voting.clear()
    loop.join(60)
    assert not loop.is_alive() and loop_out == [None], loop_out
    sent.extend(render_pending(any_engine, sid))
    expected = db_tally(any_engine, sid)
    assert sum(expected) == voters * each
    assert sent and sent[-1] == expected, f"shown {sent[-1:]}, database {expected}"
