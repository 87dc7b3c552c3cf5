"""Per-channel pacing: N posts queued at once for one channel, delivered by the real outbox
worker (production tick and pacing) against a fake Slack that enforces 1 post per second per
channel. The floor is (N - 1) x CHANNEL_PACE_SECONDS: the first post goes at once, then one per
second. Then a single post answered 429 with Retry-After: the time it costs.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlmodel import col, select

from benchmarks.harness import scratch_database
from benchmarks.report import Report
from bot.app import build_deliverer
from bot.delivery import CHANNEL_PACE_SECONDS
from bot.outbox_worker import OutboxWorker
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from slackfake import FakeSlack
from slackfake.rate_limits import Rate, SlackRateLimits
from storage.db import make_engine, session_scope
from storage.migrate import upgrade
from storage.models import OutboxMessage
from tests.conftest import make_settings

CHANNEL = "C0PACED"
TARGET_RATIO = 1.1
RETRY_AFTER_S = 2
POLL_S = 0.01


@dataclass
class Pacing:
    """What the pacing run measured."""

    posts: int
    deliver_s: float
    floor_s: float
    ok_posts: int
    duplicates: int
    limited: int
    retry_after_s: float
    retry_cost_s: float
    timed_out: bool

    @property
    def ratio(self) -> float:
        """Delivery time over the pacing floor."""
        return self.deliver_s / self.floor_s if self.floor_s else float("nan")


def run_pacing(n: int, *, database_url: str | None) -> Pacing:
    """Queue n posts to one channel, let the worker pace them, then time one 429."""
    fake = FakeSlack().start()
    try:
        fake.add_channel(CHANNEL, name="paced")
        with scratch_database(database_url) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                return _measure(fake, engine, url, n)
            finally:
                engine.dispose()
    finally:
        fake.stop()


def _measure(fake: FakeSlack, engine: Engine, url: str, n: int) -> Pacing:
    run_id = uuid.uuid4().hex[:8]
    _queue(engine, [f"notice:{run_id}:{i}" for i in range(n)])
    limits = fake.rate_limits = SlackRateLimits(per_channel=Rate(1.0, burst=2))
    # Production settings: the 2 s tick, Slack's 1 s pacing, the default workspace budgets.
    worker = OutboxWorker(build_deliverer(make_settings(fake, url), engine, retries=False))
    floor = (n - 1) * CHANNEL_PACE_SECONDS
    worker.start()
    try:
        started = time.monotonic()
        worker.kick()
        deliver_s, timed_out = _until_sent(engine, started, limit=floor * 2 + 10)
        # One more post, answered 429 once: it should cost its Retry-After and no more.
        fake.rate_limits = None
        time.sleep(CHANNEL_PACE_SECONDS)  # out of the channel's pacing, so only the 429 counts
        fake.fail("chat.postMessage", status=429, retry_after=RETRY_AFTER_S)
        _queue(engine, [f"limited:{run_id}"])
        started = time.monotonic()
        worker.kick()
        retry_cost_s, late = _until_sent(engine, started, limit=RETRY_AFTER_S * 5)
    finally:
        worker.stop()
    ok_posts = [c for c in fake.calls_to("chat.postMessage") if c.ok]
    per_text = Counter(str(c.params.get("text")) for c in ok_posts)
    return Pacing(
        posts=n,
        deliver_s=deliver_s,
        floor_s=floor,
        ok_posts=len(ok_posts) - 1,
        duplicates=sum(k - 1 for k in per_text.values()),
        limited=limits.total_limited,
        retry_after_s=RETRY_AFTER_S,
        retry_cost_s=retry_cost_s,
        timed_out=timed_out or late,
    )


def _queue(engine: Engine, keys: list[str]) -> None:
    with session_scope(engine) as db:
        for key in keys:
            outbox.post_message(db, key=key, channel=CHANNEL, text=key)


def _until_sent(engine: Engine, started: float, *, limit: float) -> tuple[float, bool]:
    """Seconds from `started` until nothing is pending (and whether `limit` ran out first)."""
    while _pending(engine):
        if time.monotonic() - started > limit:
            return time.monotonic() - started, True
        time.sleep(POLL_S)
    return time.monotonic() - started, False


def _pending(engine: Engine) -> int:
    with session_scope(engine) as db:
        query = select(func.count()).where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        return int(db.exec(query).one())


def report_pacing(report: Report, n: int, *, database_url: str | None) -> None:
    """Run it, print a line, and add its figures to the report."""
    run = run_pacing(n, database_url=database_url)
    print(
        f"[pacing] {run.posts} posts to one channel delivered in {run.deliver_s:.1f} s (floor "
        f"{run.floor_s:.0f} s: x{run.ratio:.3f}); {run.limited} answered 429; a 429 with "
        f"Retry-After {run.retry_after_s} s cost {run.retry_cost_s:.2f} s"
        + ("; TIME LIMIT REACHED" if run.timed_out else "")
    )
    name = "pacing"
    report.add(name, f"{run.posts} posts to one channel", run.deliver_s, unit="s",
               note=f"floor {run.floor_s:.0f} s")  # fmt: skip
    report.add(name, "time / pacing floor", run.ratio, unit="x", target="<= 1.1",
               ok=run.ratio <= TARGET_RATIO and not run.timed_out)  # fmt: skip
    report.add(name, "delivered once each", run.ok_posts, target=str(run.posts),
               ok=run.ok_posts == run.posts and run.duplicates == 0,
               note=f"{run.duplicates} duplicates, {run.limited} answered 429")  # fmt: skip
    report.add(name, f"cost of a 429 with Retry-After {run.retry_after_s} s", run.retry_cost_s,
               unit="s", target=f"<= {run.retry_after_s * 1.1:g}",
               ok=run.retry_cost_s <= run.retry_after_s * 1.1)  # fmt: skip
