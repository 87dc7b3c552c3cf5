"""Client-side pacing: token buckets per Web API method, and 429s pausing a whole method."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.app import build_client
from bot.delivery import OutboxDeliverer
from bot.outbox_worker import OutboxWorker
from bot.ratelimit import Limit, MethodLimiter
from cadence.outbox import post_message, update_message
from slackfake import FakeSlack
from storage.db import new_session, session_scope
from storage.models import OutboxMessage
from tests.cast import GENERAL, GOV
from tests.conftest import make_settings


class Ticker:
    """A monotonic clock that moves only when slept on (or told to)."""

    def __init__(self) -> None:
        self.at = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += seconds


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


def paced_deliverer(fake: FakeSlack, engine: Engine, ticker: Ticker, **limits: Limit):
    """A deliverer with these workspace budgets, sleeping on the ticker.

    Per-channel pacing runs on the real clock and has its own tests, so it is off here.
    """
    budgets = {name.replace("_", "."): limit for name, limit in limits.items()}
    return OutboxDeliverer(
        engine,
        build_client(make_settings(fake, str(engine.url)), retries=False),
        channel_pace=0,
        limiter=MethodLimiter(budgets, clock=ticker),
        sleep=ticker.sleep,
    )


def queue_dms(engine: Engine, count: int, prefix: str = "dm") -> None:
    """`count` DMs, each to a different person."""
    with session_scope(engine) as db:
        for n in range(count):
            user = f"U{prefix.upper()}{n:04d}"
            post_message(db, key=f"{prefix}:{n}", channel=user, text=f"{prefix} {n}")


def test_bucket_allows_a_burst_then_the_sustained_rate(ticker, frozen_clock):
    limiter = MethodLimiter({"chat.postMessage": Limit(2.0, burst=3)}, clock=ticker)

    assert [limiter.take("chat.postMessage") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("chat.postMessage") == pytest.approx(0.5)
    assert limiter.wait("chat.postMessage") == pytest.approx(0.5), "a refusal takes nothing"
    ticker.at += 0.5
    assert limiter.take("chat.postMessage") == 0.0
    assert limiter.take("views.open") == 0.0, "methods without a budget are not paced"
    ticker.at += 60
    assert [limiter.take("chat.postMessage") for _ in range(4)][-1] > 0, "burst is capped"


def test_a_pause_holds_back_one_method_until_retry_after_has_passed(ticker, frozen_clock):
    limiter = MethodLimiter({"chat.update": Limit(1.0, burst=5)}, clock=ticker)
    limiter.pause("chat.postMessage", 30)

    assert limiter.wait("chat.postMessage") == pytest.approx(30)
    assert limiter.blocked(longer_than=0.5) == {"chat.postMessage"}
    assert limiter.take("chat.update") == 0.0, "other methods go on"
    limiter.pause("chat.update", 2)
    assert limiter.take("chat.update") == pytest.approx(2)

    frozen_clock.advance(seconds=30)
    ticker.at += 30
    assert limiter.blocked() == set()
    assert limiter.take("chat.postMessage") == 0.0


def test_fan_out_is_paced_to_the_workspace_budget(fake_slack, engine, ticker, frozen_clock):
    deliverer = paced_deliverer(fake_slack, engine, ticker, chat_postMessage=Limit(4.0, burst=2))
    queue_dms(engine, 10)

    report = deliverer.deliver_due()

    assert report.sent == 10
    assert len(fake_slack.calls_to("chat.postMessage")) == 10
    # Two from the burst, then one every 0.25 s: (10 - 2) / 4 = 2 s of waiting in all.
    assert sum(ticker.slept) == pytest.approx(2.0)
    assert max(ticker.slept) <= 0.25 + 1e-9


def test_a_429_pauses_the_method_for_every_row_not_just_its_own(
    fake_slack, engine, ticker, frozen_clock
):
    deliverer = paced_deliverer(fake_slack, engine, ticker)
    with session_scope(engine) as db:
        post_message(db, key="parent", channel=GOV, text="parent")
    assert deliverer.deliver_due().sent == 1
    with session_scope(engine) as db:
        for n in range(3):
            post_message(db, key=f"post:{n}", channel=f"C{n:04d}", text=f"post {n}")
        update_message(db, key="parent:edit", of="parent", text="edited")
    fake_slack.fail("chat.postMessage", status=429, retry_after=10)

    report = deliverer.deliver_due()

    assert (report.sent, report.retried, report.held) == (1, 1, 2)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2, "hammered Slack during a 429"
    assert fake_slack.calls_to("chat.update")[0].ok, "other methods are not paused"
    with new_session(engine) as db:
        held = [db.get(OutboxMessage, n) for n in (3, 4)]
    assert [(m.attempts, m.locked_until) for m in held] == [(0, None), (0, None)]

    frozen_clock.advance(seconds=9)
    assert deliverer.deliver_due().sent == 0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2

    frozen_clock.advance(seconds=1)
    assert deliverer.deliver_due().sent == 3
    assert sorted(m["text"] for m in fake_slack.messages() if m["channel"] != GOV) == [
        "post 0", "post 1", "post 2"
    ]  # fmt: skip


def test_a_long_wait_for_budget_leaves_rows_due_and_unclaimed(
    fake_slack, engine, ticker, frozen_clock
):
    deliverer = paced_deliverer(fake_slack, engine, ticker, chat_update=Limit(50 / 60, burst=1))
    with session_scope(engine) as db:
        post_message(db, key="tally", channel=GENERAL, text="0 votes")
    deliverer.deliver_due()
    with session_scope(engine) as db:
        update_message(db, key="tally:1", of="tally", text="1 vote")
        update_message(db, key="tally:2", of="tally", text="2 votes")

    report = deliverer.deliver_due()

    assert (report.sent, report.held) == (1, 1)
    assert ticker.slept == [], "1.2 s is too long to sleep on in a pass"
    assert deliverer.deliver_due().held == 0, "the next pass does not even list it"
    assert len(fake_slack.calls_to("chat.update")) == 1
    with new_session(engine) as db:
        waiting = db.get(OutboxMessage, 3)
    assert waiting is not None
    assert (waiting.idempotency_key, waiting.attempts, waiting.locked_until) == ("tally:2", 0, None)
    ticker.at += 1.2
    assert deliverer.deliver_due().sent == 1
    assert fake_slack.messages(GENERAL)[0]["text"] == "2 votes"


def test_a_full_batch_is_reported_so_the_worker_goes_on_at_once(fake_slack, engine, ticker):
    deliverer = paced_deliverer(fake_slack, engine, ticker)
    queue_dms(engine, 5)
    assert deliverer.deliver_due(limit=2).backlog is True
    assert deliverer.deliver_due(limit=10).backlog is False

    queue_dms(engine, 150, prefix="many")
    worker = OutboxWorker(deliverer, interval=60)
    worker.start()
    try:
        worker.kick()
        fake_slack.wait_for("chat.postMessage", count=155, timeout=10)
    finally:
        worker.stop()
