"""A token bucket per API token: `burst` requests at once, refilled at `per_minute`.

The bucket lives on the token's row (storage/rate_buckets.py), so the limit holds across
worker processes (WEB_CONCURRENCY) and replicas on one database. Spending is one UPDATE,
committed at once in a transaction of its own: the token's row is never held for a call.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from sqlmodel import Session

from storage.rate_buckets import spend_call


class TokenBuckets:
    """Rate limits per token; `take` answers 0 (go ahead) or the seconds to wait."""

    def __init__(
        self,
        *,
        per_minute: float,
        burst: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        # Wall-clock seconds: every process and replica must read the same time.
        self._clock = clock

    def take(self, db: Session, *, token_id: int) -> float:
        """Spend one request of the token's bucket and commit (everything `db` holds so far:
        call it before the call's own work): 0.0 if allowed, else seconds until it would be."""
        now = self._clock()
        wait = spend_call(db, token_id=token_id, now=now, rate=self.rate, burst=self.burst)
        db.commit()
        return wait


def retry_after(wait: float) -> str:
    """The Retry-After header's whole seconds (at least 1)."""
    return str(max(1, math.ceil(wait)))
