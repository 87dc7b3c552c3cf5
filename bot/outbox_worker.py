"""The background thread that keeps the outbox moving."""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.delivery import OutboxDeliverer
from bot.delivery_report import DeliveryReport

logger = logging.getLogger("bot.delivery")

# Timestamps are stored to the microsecond; waking this much after a row is due means the row
# is due when looked at, so no pass is wasted on finding it not quite due yet.
WAKE_MARGIN_SECONDS = 0.002
# A floor on the rest between passes that did not fill a batch, so nothing can spin.
MIN_REST_SECONDS = 0.005


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

    def next_wait(self, report: DeliveryReport) -> float:
        """Seconds to rest after a pass: none after a full batch, else until the next row is due
        (its pacing, backoff or Retry-After), and never longer than the regular tick."""
        if report.backlog:
            return 0.0
        due_in = self.deliverer.seconds_until_due()
        if due_in is None:
            return self.interval
        # A hair late rather than early: waking before the row is due would cost a whole pass.
        return min(self.interval, max(due_in + WAKE_MARGIN_SECONDS, MIN_REST_SECONDS))

    def _run(self) -> None:
        rest = self.interval
        unreachable = False
        while not self._stop.is_set():
            self._wake.wait(rest)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                rest = self.next_wait(self.deliverer.deliver_due())
                if unreachable:
                    logger.warning("Outbox resumed, the database answers again")
                    unreachable = False
            except OperationalError as error:
                # The database is out of reach (or locked): one line when it starts, not a
                # traceback every tick; the rows wait in the database, leased or due.
                if not unreachable:
                    logger.warning("Outbox paused, database unreachable: %s", _first_line(error))
                unreachable, rest = True, self.interval
            except Exception:
                # The worker must outlive any other failure too; the next tick tries again.
                logger.exception("Outbox delivery pass failed")
                rest = self.interval


def _first_line(error: OperationalError) -> str:
    return str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
