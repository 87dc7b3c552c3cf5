"""Requests about the same thing take turns inside this process."""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager


class Turns:
    """One lock per key, made on first use.

    Votes on one governance thread are ordered by a lock on its row in the database, held
    until each commits. Waiting for that lock holds a database connection and a busy thread
    for every vote in the queue; waiting here holds neither, so the other requests of this
    process (forms to open, commands) still find a connection, and the GIL is not handed
    round threads that can do nothing.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}

    @contextmanager
    def turn(self, key: Hashable) -> Iterator[None]:
        """Hold `key`'s turn for the block."""
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            yield
