"""The outbox worker wakes exactly when the next row is due: posts to one channel go out about
once a second (not every 2.5 s), and a 429 costs its Retry-After, not more.

The worker's loop is driven on simulated time here (the deliverer's pacing clock and Cadence's
clock move together, by exactly what the worker would rest), so nothing sleeps for real.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from bot.app import build_client
from bot.delivery import OutboxDeliverer
from bot.outbox_worker import MIN_REST_SECONDS, WAKE_MARGIN_SECONDS, OutboxWorker
from bot.ratelimit import MethodLimiter
from slackfake import FakeSlack
from tests.bot.test_delivery import queue
from tests.bot.test_ratelimit import Ticker
from tests.cast import GENERAL
from tests.conftest import FrozenClock, make_settings

TICK = 2.0


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


@pytest.fixture
def deliverer(fake_slack: FakeSlack, engine: Engine, ticker: Ticker) -> OutboxDeliverer:
    """Slack's pacing (1 post per second per channel), on the simulated clock."""
    return OutboxDeliverer(
        engine,
        build_client(make_settings(fake_slack, str(engine.url)), retries=False),
        limiter=MethodLimiter(clock=ticker),
        sleep=ticker.sleep,
        monotonic=ticker,
    )


class Simulation:
    """The worker's loop on simulated time: a pass, then the rest the worker chose."""

    def __init__(self, worker: OutboxWorker, clock: FrozenClock, ticker: Ticker) -> None:
        self.worker, self.clock, self.ticker = worker, clock, ticker
        self.elapsed, self.passes, self.rests = 0.0, 0, []

    def run_until(self, done: Callable[[], bool], *, limit: float = 600) -> float:
        """Seconds of simulated time until `done()`."""
        while True:
            report = self.worker.deliverer.deliver_due()
            self.passes += 1
            if done():
                return self.elapsed
            rest = self.worker.next_wait(report)
            self.rests.append(rest)
            self.elapsed += rest
            self.clock.advance(seconds=rest)
            self.ticker.at += rest
            assert self.elapsed < limit, f"not done after {self.elapsed:.1f} s"


def sent_texts(fake: FakeSlack) -> list[str]:
    return [m["text"] for m in fake.messages(GENERAL)]


def test_posts_to_one_channel_go_out_about_once_a_second(
    deliverer, engine, fake_slack, frozen_clock, ticker
):
    for n in range(10):
        queue(engine, f"notice-{n}")
    sim = Simulation(OutboxWorker(deliverer, interval=TICK), frozen_clock, ticker)

    took = sim.run_until(lambda: len(fake_slack.messages(GENERAL)) == 10)

    assert sent_texts(fake_slack) == [f"text of notice-{n}" for n in range(10)]
    floor = 9 * 1.0  # the first goes at once, then one a second
    assert floor <= took <= floor + 10 * (WAKE_MARGIN_SECONDS + MIN_REST_SECONDS), took
    assert sim.passes <= 2 * 10, f"{sim.passes} passes: the worker woke before rows were due"
    posted_at = [c.params for c in fake_slack.calls_to("chat.postMessage")]
    assert len(posted_at) == 10, "a post was tried before its turn"


def test_a_429_costs_its_retry_after_and_no_more(
    deliverer, engine, fake_slack, frozen_clock, ticker
):
    queue(engine, "limited")
    fake_slack.fail("chat.postMessage", status=429, retry_after=3, times=1)
    sim = Simulation(OutboxWorker(deliverer, interval=TICK * 10), frozen_clock, ticker)

    took = sim.run_until(lambda: len(fake_slack.messages(GENERAL)) == 1)

    assert 3.0 <= took <= 3.0 + WAKE_MARGIN_SECONDS + MIN_REST_SECONDS, took
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_server_error_is_retried_when_its_backoff_ends(
    deliverer, engine, fake_slack, frozen_clock, ticker
):
    queue(engine, "flaky")
    fake_slack.fail("chat.postMessage", status=500, times=2)  # backoff 1 s, then 2 s
    sim = Simulation(OutboxWorker(deliverer, interval=TICK * 10), frozen_clock, ticker)

    took = sim.run_until(lambda: len(fake_slack.messages(GENERAL)) == 1)

    assert 3.0 <= took <= 3.0 + 2 * (WAKE_MARGIN_SECONDS + MIN_REST_SECONDS), took


def test_with_nothing_pending_the_worker_rests_a_full_tick(deliverer, engine, frozen_clock):
    worker = OutboxWorker(deliverer, interval=TICK)
    assert deliverer.seconds_until_due() is None
    assert worker.next_wait(deliverer.deliver_due()) == TICK
    queue(engine, "later")
    frozen_clock.advance(seconds=-30)  # a row due in 30 s: the regular tick comes first
    assert deliverer.seconds_until_due() == pytest.approx(30)
    assert worker.next_wait(deliverer.deliver_due()) == TICK


def test_the_running_worker_wakes_itself_when_the_next_post_is_due(fake_slack, engine):
    """Real threads and clocks: with a 60 s tick, only waking on time delivers these."""
    deliverer = OutboxDeliverer(
        engine,
        build_client(make_settings(fake_slack, str(engine.url)), retries=False),
        channel_pace=0.2,
    )
    worker = OutboxWorker(deliverer, interval=60)
    for n in range(4):
        queue(engine, f"woken-{n}")
    worker.start()
    try:
        worker.kick()
        fake_slack.wait_for("chat.postMessage", count=4, timeout=10)
    finally:
        worker.stop()
    assert sent_texts(fake_slack) == [f"text of woken-{n}" for n in range(4)]
