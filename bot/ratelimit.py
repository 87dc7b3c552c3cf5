"""Client-side pacing of Slack Web API calls: a token bucket per method, paused by 429s.

Slack limits each method per workspace (tier 3 methods such as chat.update and
conversations.open: 50+ per minute; chat.postMessage: about 1 per second per channel and a
workspace budget of several hundred per minute). Pacing ourselves keeps 429s rare; when one
still comes, its Retry-After holds back every call of that method, not only the one message.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.clock import now

TIER_3_PER_SECOND = 50 / 60


@dataclass(frozen=True)
class Limit:
    """`per_second` calls sustained, `burst` at once after a quiet spell."""

    per_second: float
    burst: float = 1.0


# Workspace budgets per method; methods not listed are not paced here.
SLACK_LIMITS: dict[str, Limit] = {
    "chat.postMessage": Limit(10.0, burst=20),
    "chat.update": Limit(TIER_3_PER_SECOND, burst=10),
    "conversations.open": Limit(TIER_3_PER_SECOND, burst=10),
    # Canvas calls (living canvases): create is tier 2 (20/min), edit tier 3.
    "conversations.canvases.create": Limit(20 / 60, burst=5),
    "canvases.edit": Limit(TIER_3_PER_SECOND, burst=10),
}


class _Bucket:
    def __init__(self, limit: Limit, at: float) -> None:
        self.limit = limit
        self.tokens = limit.burst
        self.at = at

    def refill(self, at: float) -> None:
        if at > self.at:
            gained = (at - self.at) * self.limit.per_second
            self.tokens = min(self.limit.burst, self.tokens + gained)
            self.at = at

    def wait(self) -> float:
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.limit.per_second


class MethodLimiter:
    """Token buckets per Web API method, and pauses ordered by Slack's Retry-After.

    Buckets run on `clock` (monotonic seconds); a pause lasts until a moment on Cadence's clock,
    like the rescheduled row's next_attempt_at, so frozen-clock tests can step over it.
    """

    def __init__(
        self,
        limits: Mapping[str, Limit] | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = dict(SLACK_LIMITS if limits is None else limits)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._paused_until: dict[str, datetime] = {}
        self._lock = threading.Lock()

    def wait(self, method: str) -> float:
        """Seconds until a call to `method` may go (0.0: now); takes nothing."""
        with self._lock:
            return self._wait(method, self.clock())

    def take(self, method: str) -> float:
        """Use one call of `method`'s budget (0.0 returned), or the seconds until one is free."""
        with self._lock:
            at = self.clock()
            wait = self._wait(method, at)
            if wait == 0.0 and (bucket := self._buckets.get(method)) is not None:
                bucket.tokens -= 1.0
            return wait

    def pause(self, method: str, seconds: float) -> None:
        """Slack answered 429: no call of `method` for `seconds`, then a fresh start."""
        seconds = max(0.0, seconds)
        with self._lock:
            until = now() + timedelta(seconds=seconds)
            self._paused_until[method] = max(self._paused_until.get(method, until), until)
            if (bucket := self._buckets.get(method)) is not None:
                bucket.refill(self.clock())
                bucket.tokens = 0.0  # what was left is spent; it refills while the pause lasts

    def blocked(self, longer_than: float = 0.0) -> set[str]:
        """Methods that must wait more than `longer_than` seconds before their next call."""
        with self._lock:
            at = self.clock()
            methods = set(self.limits) | set(self._paused_until)
            return {m for m in methods if self._wait(m, at) > longer_than}

    def _wait(self, method: str, at: float) -> float:
        if (until := self._paused_until.get(method)) is not None:
            paused = (until - now()).total_seconds()
            if paused > 0:
                return paused
            del self._paused_until[method]
        limit = self.limits.get(method)
        if limit is None:
            return 0.0
        bucket = self._buckets.get(method)
        if bucket is None:
            bucket = self._buckets[method] = _Bucket(limit, at)
        bucket.refill(at)
        return bucket.wait()
