"""Slack's rate limits for the fake Web API: per channel, per method per workspace, 429s.

Slack allows chat.postMessage about 1 message per second per channel (short bursts pass) and
limits every method per workspace by its tier (tier 3, e.g. conversations.open and chat.update,
is 50+ per minute). Beyond a limit Slack answers HTTP 429 with `Retry-After` in whole seconds.
Off by default: `FakeSlack.rate_limits = SlackRateLimits(...)` turns it on.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

TIER_3_PER_SECOND = 50 / 60


@dataclass(frozen=True)
class Rate:
    """`per_second` sustained, with up to `burst` calls at once after a quiet spell."""

    per_second: float
    burst: float = 1.0


class TokenBucket:
    """A token bucket on an injected clock: full at start, refilled at `rate.per_second`."""

    def __init__(self, rate: Rate, at: float) -> None:
        self.rate = rate
        self.tokens = rate.burst
        self.at = at

    def take(self, at: float) -> float:
        """Take one token (0.0 returned), or the seconds until one is there (nothing taken)."""
        self.tokens = min(self.rate.burst, self.tokens + (at - self.at) * self.rate.per_second)
        self.at = at
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate.per_second


def slack_defaults() -> dict[str, Rate]:
    """Workspace limits per method used by the benchmarks (tier 3 methods at 50/min)."""
    return {
        "chat.postMessage": Rate(50.0, burst=10),
        "chat.update": Rate(TIER_3_PER_SECOND, burst=3),
        "conversations.open": Rate(TIER_3_PER_SECOND, burst=3),
        "conversations.info": Rate(TIER_3_PER_SECOND, burst=3),
        "users.info": Rate(100 / 60, burst=5),
    }


@dataclass
class SlackRateLimits:
    """Which calls the fake answers with 429, and how many it did."""

    workspace: dict[str, Rate] = field(default_factory=slack_defaults)
    per_channel: Rate | None = field(default_factory=lambda: Rate(1.0, burst=2))
    channel_methods: frozenset[str] = frozenset({"chat.postMessage"})
    clock: Callable[[], float] = time.monotonic
    limited: Counter[str] = field(default_factory=Counter)
    admitted: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def admit(self, method: str, channel: str | None = None) -> int | None:
        """None if the call may go through, else the Retry-After (whole seconds) to answer."""
        with self._lock:
            at = self.clock()
            waits: list[float] = []
            channel_rate = self.per_channel if method in self.channel_methods else None
            if channel_rate is not None and channel:
                waits.append(self._peek(("channel", channel), channel_rate, at))
            if (rate := self.workspace.get(method)) is not None:
                waits.append(self._peek(("method", method), rate, at))
            wait = max(waits, default=0.0)
            if wait > 0:
                self.limited[method] += 1
                return max(1, math.ceil(wait))
            if channel_rate is not None and channel:
                self._buckets[("channel", channel)].take(at)
            if rate is not None:
                self._buckets[("method", method)].take(at)
            self.admitted[method] += 1
            return None

    def _peek(self, key: tuple[str, str], rate: Rate, at: float) -> float:
        """Seconds until `key`'s bucket has a token; takes nothing (both limits must agree)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(rate, at)
        bucket.tokens = min(rate.burst, bucket.tokens + (at - bucket.at) * rate.per_second)
        bucket.at = at
        return 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / rate.per_second

    @property
    def total_limited(self) -> int:
        """429s answered so far, all methods."""
        return sum(self.limited.values())
