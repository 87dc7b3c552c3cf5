"""Requests about the same thing, done together inside this process (group commit).

Votes on one governance thread are ordered by its row lock in the database, held until each
commits, so a storm of votes is as fast as one vote's transaction allows: a handful of round
trips and a commit, each a chance for the GIL to go elsewhere while the lock is held. Done one
by one, a thousand people voting in a minute make a queue. Done in batches, the votes waiting
while one transaction runs are stored together by the next: one lock, one flag, one step of
the audit chain and one commit for all of them, however many there are.

The first request finds no batch running and leads: it runs the batch of everything queued
for its key (its own request included) in its own transaction, hands each request its
outcome, and, if more arrived meanwhile, wakes the oldest of those to lead the next batch.
The others wait (holding no database connection) for their outcome. Nothing is acked or
stored differently: each request still runs in its own listener thread, which returns once
its batch has committed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# At most this many requests per batch; the rest lead the next one.
MAX_BATCH = 100


@dataclass(eq=False)
class _Entry(Generic[T, R]):
    item: T
    ready: threading.Event = field(default_factory=threading.Event)
    outcome: R | BaseException | None = None
    done: bool = False  # an outcome is set (else `ready` means: lead the next batch)


class Batches(Generic[T, R]):
    """Group requests per key; `submit` returns each one's outcome (or raises its error)."""

    def __init__(self, *, max_batch: int = MAX_BATCH) -> None:
        self._guard = threading.Lock()
        self._queues: dict[Hashable, list[_Entry[T, R]]] = {}
        self._leading: set[Hashable] = set()
        self._max = max_batch
        self.batches_run = 0  # how many batches ran (for tests and benchmarks)

    def __len__(self) -> int:
        """How many keys have requests queued or a batch running."""
        with self._guard:
            return len(self._leading)

    def submit(
        self, key: Hashable, item: T, run: Callable[[Sequence[T]], Sequence[R | BaseException]]
    ) -> R:
        """Do `item` in a batch with the others queued for `key`.

        `run` does a batch (in this thread, if this request leads one): one outcome per item,
        in order, an exception for an item that failed on its own; if `run` raises, every
        item of the batch fails with that error.
        """
        entry: _Entry[T, R] = _Entry(item)
        with self._guard:
            self._queues.setdefault(key, []).append(entry)
            lead = key not in self._leading
            self._leading.add(key)
        if not lead:
            entry.ready.wait()
        if not entry.done:  # leading this batch (first here, or woken to lead the next)
            self._lead(key, run)
        if isinstance(entry.outcome, BaseException):
            raise entry.outcome
        return entry.outcome  # type: ignore[return-value]

    def _lead(
        self, key: Hashable, run: Callable[[Sequence[T]], Sequence[R | BaseException]]
    ) -> None:
        with self._guard:
            queue = self._queues[key]
            batch, rest = queue[: self._max], queue[self._max :]
            self._queues[key] = rest
        try:
            outcomes: Sequence[R | BaseException] = run([entry.item for entry in batch])
            if len(outcomes) != len(batch):
                raise RuntimeError(f"a batch of {len(batch)} gave {len(outcomes)} outcomes")
        except BaseException as error:  # every request of the batch hears of it
            outcomes = [error] * len(batch)
        with self._guard:
            self.batches_run += 1
            waiting = self._queues[key]
            following = waiting[0] if waiting else None
            if following is None:
                del self._queues[key]
                self._leading.discard(key)
        for entry, outcome in zip(batch, outcomes, strict=True):
            entry.outcome, entry.done = outcome, True
            entry.ready.set()
        if following is not None:
            following.ready.set()  # not done: it leads the next batch
