"""The background thread that keeps the outbox moving."""

from __future__ import annotations

import logging
import threading
from typing import Any

from bot.delivery import OutboxDeliverer

logger = logging.getLogger("bot.delivery")


class OutboxWorker:
    """A background thread that delivers the outbox promptly when kicked, and every few seconds."""

    def __init__(self, deliverer: OutboxDeliverer, *, interval: float = 2.0) -> None:
        self.deliverer = deliverer
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start delivering in the background."""
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._thread.start()

    def kick(self, *_: Any) -> None:
        """Deliver now rather than at the next tick (called after a change commits)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current pass."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                report = self.deliverer.deliver_due()
            except Exception:
                # The worker must outlive a database hiccup; the next tick tries again.
                logger.exception("Outbox delivery pass failed")
                continue
            if report.backlog:
                self._wake.set()  # the batch was full: go on at once
            elif report.deferred or report.retried or report.held:
                # Something is due again soon: look sooner than the regular tick.
                self._wake.wait(0.5)
                self._wake.set()
