"""A token bucket per API token: `burst` requests at once, refilled at `per_minute`.

Each worker process keeps its own buckets (in memory, nothing written per request), so with
WEB_CONCURRENCY=N a token may get up to N times the rate when its requests are spread out.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """Rate limits per key; `take` answers 0 (go ahead) or the seconds to wait."""

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: int) -> float:
        """Spend one request of `key`'s bucket: 0.0 if allowed, else seconds until it would be."""
        moment = self._clock()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(self.burst, moment))
            bucket.tokens = min(self.burst, bucket.tokens + (moment - bucket.at) * self.rate)
            bucket.at = moment
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after(wait: float) -> str:
    """The Retry-After header's whole seconds (at least 1)."""
    return str(max(1, math.ceil(wait)))
