"""Benchmark 3, reminder fan-out: N DMs due at once, against Slack's rate limits.

The fake Slack enforces 1 chat.postMessage per second per channel (burst 2), a workspace limit
of WORKSPACE_RATE posts per second (burst WORKSPACE_BURST) and tier-3 limits (50/min) on
conversations.open and chat.update, answering 429 + Retry-After beyond them. The real outbox
worker delivers; the figure is the time from the kick to the last message sent, against the
minimum those limits allow: (N - burst) / rate.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import col, select

from benchmarks.harness import scratch_database
from bot.app import build_deliverer
from bot.outbox_worker import OutboxWorker
from bot.ratelimit import TIER_3_PER_SECOND, Limit
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from slackfake import FakeSlack
from slackfake.rate_limits import Rate, SlackRateLimits
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxMessage
from tests.conftest import make_settings

WORKSPACE_RATE, WORKSPACE_BURST = 50.0, 10
# What the deliverer is told: the same sustained rate, no burst, so Slack's burst allowance is
# left to absorb network jitter instead of being spent up front.
CLIENT_LIMITS = {
    "chat.postMessage": Limit(WORKSPACE_RATE, burst=1),
    "chat.update": Limit(TIER_3_PER_SECOND, burst=3),
    "conversations.open": Limit(TIER_3_PER_SECOND, burst=3),
}
TARGET_RATIO = 1.15


@dataclass
class FanOut:
    """What the fan-out measured."""

    messages: int
    enqueue_s: float
    deliver_s: float
    minimum_s: float
    rows_sent: int
    ok_posts: int
    duplicates: int
    limited: int
    timed_out: bool

    @property
    def ratio(self) -> float:
        """Delivery time over the minimum the limits allow."""
        return self.deliver_s / self.minimum_s if self.minimum_s else float("nan")

    @property
    def ok(self) -> bool:
        """All delivered, none twice, within TARGET_RATIO of the minimum."""
        return (
            self.rows_sent == self.ok_posts == self.messages
            and self.duplicates == 0
            and self.ratio <= TARGET_RATIO
        )


def slack_limits() -> SlackRateLimits:
    """The limits the fake enforces for this benchmark."""
    return SlackRateLimits(
        workspace={
            "chat.postMessage": Rate(WORKSPACE_RATE, burst=WORKSPACE_BURST),
            "chat.update": Rate(TIER_3_PER_SECOND, burst=3),
            "conversations.open": Rate(TIER_3_PER_SECOND, burst=3),
        },
        per_channel=Rate(1.0, burst=2),
    )


def run_fanout(n: int, *, database_url: str | None, time_limit: float) -> FanOut:
    """Queue n DMs to n different people in one transaction, then let the worker send them."""
    fake = FakeSlack().start()
    try:
        with scratch_database(database_url) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                return _measure(fake, engine, url, n, time_limit)
            finally:
                engine.dispose()
    finally:
        fake.stop()


def _measure(fake: FakeSlack, engine: Engine, url: str, n: int, time_limit: float) -> FanOut:
    run_id = uuid.uuid4().hex[:8]
    users = [f"U0R{i:05d}" for i in range(n)]
    started = time.monotonic()
    with session_scope(engine) as db:
        for i, user in enumerate(users):
            outbox.post_message(
                db, key=f"reminder:{run_id}:{user}", channel=user, text=f"Reminder {run_id}:{i}"
            )
    enqueue_s = time.monotonic() - started

    limits = fake.rate_limits = slack_limits()
    deliverer = build_deliverer(
        make_settings(fake, url), engine, retries=False, limits=CLIENT_LIMITS
    )
    worker = OutboxWorker(deliverer, interval=0.2)
    started = time.monotonic()
    worker.start()
    worker.kick()
    deadline = started + time_limit
    try:
        while _count(engine, OutboxStatus.PENDING) and time.monotonic() < deadline:
            time.sleep(0.05)
        deliver_s = time.monotonic() - started
    finally:
        worker.stop()
    timed_out = time.monotonic() >= deadline

    ok_posts = [c for c in fake.calls_to("chat.postMessage") if c.ok]
    per_text = Counter(str(c.params.get("text")) for c in ok_posts)
    return FanOut(
        messages=n,
        enqueue_s=enqueue_s,
        deliver_s=deliver_s,
        minimum_s=max(0, n - WORKSPACE_BURST) / WORKSPACE_RATE,
        rows_sent=_count(engine, OutboxStatus.SENT),
        ok_posts=len(ok_posts),
        duplicates=sum(k - 1 for k in per_text.values()),
        limited=limits.total_limited,
        timed_out=timed_out,
    )


def _count(engine: Engine, status: str) -> int:
    with session_scope(engine) as db:
        query = select(func.count()).where(col(OutboxMessage.status) == status)
        return int(db.exec(query).one())
