"""Requests about the same thing take turns inside this process."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction


@dataclass
class _Turn:
    lock: threading.Lock = field(default_factory=threading.Lock)
    users: int = 0  # holding or waiting


class Turns:
    """One lock per key, made on first use and dropped when no one holds or waits for it.

    Votes on one governance thread are ordered by a lock on its row in the database, held
    until each commits. Waiting for that lock holds a database connection and a busy thread
    for every vote in the queue; waiting here holds neither, so the other requests of this
    process (forms to open, commands) still find a connection, and the GIL is not handed
    round threads that can do nothing. A turn that ends before the commit would send the next
    vote to wait on the row lock after all: take it with `until_transaction_end`.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._turns: dict[Hashable, _Turn] = {}

    def __len__(self) -> int:
        """How many keys are held or waited for now."""
        with self._guard:
            return len(self._turns)

    def take(self, key: Hashable) -> Callable[[], None]:
        """Wait for `key`'s turn; the call that ends it (later calls do nothing)."""
        with self._guard:
            turn = self._turns.setdefault(key, _Turn())
            turn.users += 1
        turn.lock.acquire()
        ended = False

        def end() -> None:
            nonlocal ended
            with self._guard:
                if ended:
                    return
                ended = True
                turn.users -= 1
                if turn.users == 0:
                    del self._turns[key]
            turn.lock.release()

        return end

    @contextmanager
    def turn(self, key: Hashable) -> Iterator[None]:
        """Hold `key`'s turn for the block."""
        end = self.take(key)
        try:
            yield
        finally:
            end()

    def until_transaction_end(self, db: Session, key: Hashable) -> None:
        """Hold `key`'s turn until `db`'s transaction ends (commit, rollback or close)."""
        end = self.take(key)
        try:
            db.connection()  # the transaction whose end ends the turn begins now at the latest
        except BaseException:
            end()
            raise

        def ended(_db: Session, transaction: SessionTransaction) -> None:
            if transaction.parent is None:
                end()

        event.listen(db, "after_transaction_end", ended)
