"""Delivers outbox messages to Slack: rate-limited, retried, never lost, never doubled."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from bot import outbox_rows
from bot.canvas_delivery import LOOKED_FOR, after_sent, look_first
from bot.delivery_report import DeliveryReport
from bot.metrics import count_delivery
from bot.outbox_payload import (
    METADATA_EVENT,
    Drop,
    Renderer,
    Wait,
    prepare,
)
from bot.ratelimit import MethodLimiter
from cadence.delivery_failures import record_delivery_failure
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import session_scope
from storage.models import OutboxMessage

logger = logging.getLogger(__name__)

# Transient failures (5xx, timeouts, Slack unreachable) are retried for as long as the outage
# lasts, backing off up to this; only Slack's permanent refusals end a message.
BACKOFF_MAX_SECONDS = 300
# Every this many failed attempts in a row, a warning says a message is still stuck.
WARN_EVERY_ATTEMPTS = 10
CHANNEL_PACE_SECONDS = 1.0
POST = "chat.postMessage"
# A method's budget (bot/ratelimit.py) is waited for in-process up to this long; rows of a
# method that must wait longer are left due, unclaimed, for a later pass.
BUDGET_SLEEP_SECONDS = 0.5
# Slack answers these with ok:false but they pass; everything else with ok:false is final.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                    "request_timeout"}  # fmt: skip


def _unanswered(exc: Exception) -> bool:
    """Whether Slack may have acted on a call we heard nothing back from."""
    return isinstance(exc, OSError | TimeoutError) and not isinstance(exc, ConnectionRefusedError)


class OutboxDeliverer:
    """Sends due outbox rows; safe to run in several replicas at once (rows are leased)."""

    def __init__(
        self,
        engine: Engine,
        client: WebClient,
        *,
        channel_pace: float | None = None,
        renderers: dict[str, Renderer] | None = None,
        limiter: MethodLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        lease: timedelta = outbox_rows.LEASE,
    ) -> None:
        self.engine = engine
        # How long a claimed row is ours; after a crash it waits this long for another process.
        self.lease = lease
        self.client = client
        self.renderers: dict[str, Renderer] = dict(renderers or {})
        # Seconds between posts in one channel; None means CHANNEL_PACE_SECONDS (Slack's ~1/s).
        self.channel_pace = channel_pace
        self._last_post: dict[str, float] = {}
        # Workspace budget per method and 429 pauses; `sleep` waits for the budget.
        self.limiter = limiter if limiter is not None else MethodLimiter()
        self.sleep = sleep
        self.monotonic = monotonic  # the clock of per-channel pacing
        self._lock = threading.Lock()

    def deliver_due(self, *, limit: int = 100) -> DeliveryReport:
        """Deliver every due message once; return what happened."""
        report = DeliveryReport()
        with self._lock:
            held_back = self.limiter.blocked(longer_than=BUDGET_SLEEP_SECONDS)
            due = outbox_rows.due_rows(self.engine, limit=limit, held_back=held_back)
            report.backlog = len(due) == limit
            for message_id, method in due:
                if self.limiter.wait(method) > BUDGET_SLEEP_SECONDS:
                    report.held += 1
                    continue
                if not outbox_rows.claim(self.engine, message_id, lease=self.lease):
                    continue
                before = report.counts()
                self._deliver_one(message_id, report)
                count_delivery(method, before, report)
        return report

    def seconds_until_due(self) -> float | None:
        """Seconds until the next pending row may go (0.0: now); None when nothing is pending.

        A row is due at its next_attempt_at (pacing, backoff and Retry-After all set it), or
        later if its method's budget or a 429 pause still holds that method back.
        """
        at = now()
        waits = [
            max((when - at).total_seconds(), self.limiter.wait(method))
            for method, when in outbox_rows.earliest_due(self.engine)
        ]
        return max(0.0, min(waits)) if waits else None

    def _spend_budget(self, method: str) -> None:
        """Wait (briefly: see BUDGET_SLEEP_SECONDS) until `method` may be called, and use it."""
        while (wait := self.limiter.take(method)) > 0:
            self.sleep(wait)

    def _deliver_one(self, message_id: int, report: DeliveryReport) -> None:
        # Three short transactions, none open while Slack is being called: prepare the payload
        # (resolve references, render fresh content), call Slack, record what happened.
        with session_scope(self.engine) as db:
            message = db.get(OutboxMessage, message_id)
            if message is None:
                return
            method, key = message.method, message.idempotency_key
            prepared = prepare(db, message, self.renderers, self._pace_wait)
            if isinstance(prepared, Wait):
                self._reschedule(message, delay=prepared.seconds, error=prepared.reason)
                report.deferred += 1
                return
            if isinstance(prepared, Drop):
                message.status = OutboxStatus.SKIPPED
                message.locked_until = None
                message.last_error = prepared.reason[:500]
                return
            payload = prepared
            channel = str(payload.get("channel", ""))
            # An earlier attempt may have reached Slack unanswered (crash, timeout): look first.
            uncertain = message.in_flight_at is not None and method in LOOKED_FOR
            message.attempts += 1
            if method in LOOKED_FOR:
                message.in_flight_at = message.in_flight_at or now()
            if method == POST:
                payload["metadata"] = {"event_type": METADATA_EVENT, "event_payload": {"key": key}}
        # Posts are paced from when each was sent, not from when Slack's answer came back.
        started = self.monotonic()
        outcome: dict[str, Any] | Exception | None = look_first(
            self.client, method, payload, key, uncertain=uncertain
        )
        if outcome is None:
            self._spend_budget(method)
            started = self.monotonic()
            outcome = self._call(method, payload)
        with session_scope(self.engine) as db:
            message = db.get(OutboxMessage, message_id)
            if message is None:
                return
            self._record(db, message, outcome, report, channel=channel, started=started)

    def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any] | Exception:
        try:
            return dict(self.client.api_call(method, json=payload).data)  # type: ignore[arg-type]
        except SlackApiError as exc:
            return exc
        except (OSError, TimeoutError) as exc:
            # Connection refused, reset, DNS, or a timed-out read: Slack may be down.
            return exc

    def _record(
        self,
        db: Session,
        message: OutboxMessage,
        outcome: dict[str, Any] | Exception,
        report: DeliveryReport,
        *,
        channel: str,
        started: float,
    ) -> None:
        if isinstance(outcome, Exception) and _unanswered(outcome):
            # Slack may have posted it: keep in_flight_at so the next attempt looks first.
            self._retry_later(message, f"network: {type(outcome).__name__}: {outcome}", report)
            return
        message.in_flight_at = None
        if isinstance(outcome, SlackApiError):
            self._on_api_error(db, message, outcome, report, channel=channel)
        elif isinstance(outcome, Exception):
            self._retry_later(message, f"network: {type(outcome).__name__}: {outcome}", report)
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = now()
            message.locked_until = None
            message.result_channel = outcome.get("channel") or channel or None
            message.result_ts = outcome.get("ts") or outcome.get("message_ts")
            message.last_error = None
            after_sent(db, message, outcome)
            report.sent += 1
            if message.method == POST and channel:
                self._last_post[channel] = started

    def _pace_wait(self, method: str, channel: str) -> float:
        """Seconds to wait before posting, or updating, again in `channel` (~1 per second each).

        Updates are paced from the moment one is let through, so a burst of live-tally
        refreshes in one channel goes out about once a second, each showing the latest state.
        """
        if method not in ("chat.postMessage", "chat.update") or not channel:
            return 0.0
        key = channel if method == "chat.postMessage" else f"{method}:{channel}"
        last = self._last_post.get(key)
        pace = CHANNEL_PACE_SECONDS if self.channel_pace is None else self.channel_pace
        at = self.monotonic()
        wait = 0.0 if last is None else max(0.0, pace - (at - last))
        if wait == 0.0 and method == "chat.update":
            self._last_post[key] = at
        return wait

    def _on_api_error(
        self,
        db: Session,
        message: OutboxMessage,
        exc: SlackApiError,
        report: DeliveryReport,
        *,
        channel: str,
    ) -> None:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http {status}")
        if status == 429:
            retry_after = float(exc.response.headers.get("Retry-After", "1") or 1)
            message.attempts -= 1  # Slack asked us to wait; that is not a failed attempt
            self.limiter.pause(message.method, retry_after)  # every row of it, not just this one
            self._reschedule(message, delay=retry_after, error="ratelimited")
            report.retried += 1
        elif status >= 500 or error in TRANSIENT_ERRORS:
            self._retry_later(message, error, report)
        else:
            self._give_up(db, message, error, report, channel=channel)

    def _retry_later(self, message: OutboxMessage, error: str, report: DeliveryReport) -> None:
        """Try again after a capped exponential backoff; an outage never loses the message."""
        exponent = min(max(message.attempts - 1, 0), 16)
        self._reschedule(message, delay=min(2**exponent, BACKOFF_MAX_SECONDS), error=error)
        report.retried += 1
        if message.attempts % WARN_EVERY_ATTEMPTS == 0:
            logger.warning(
                "Still cannot deliver %s after %d attempts (%s); retrying every %d s",
                message.idempotency_key, message.attempts, error, BACKOFF_MAX_SECONDS,
            )  # fmt: skip

    def _reschedule(self, message: OutboxMessage, *, delay: float, error: str | None) -> None:
        message.next_attempt_at = now() + timedelta(seconds=delay)
        message.locked_until = None
        if error is not None:
            message.last_error = error[:500]

    def _give_up(
        self,
        db: Session,
        message: OutboxMessage,
        error: str,
        report: DeliveryReport,
        *,
        channel: str,
    ) -> None:
        """Slack refused for good: fail the row, keep the evidence, tell whoever can fix it."""
        message.status = OutboxStatus.FAILED
        message.locked_until = None
        message.in_flight_at = None
        message.last_error = error[:500]
        report.failed += 1
        report.errors.append(f"{message.idempotency_key}: {error}")
        # The channel as sent: rendered messages (thread parents, notices) store no channel.
        hint = record_delivery_failure(db, message=message, error=error, channel=channel)
        logger.error(
            "Gave up delivering %s (%s to %s): %s.%s",
            message.idempotency_key,
            message.method,
            channel or "?",
            error,
            f" To fix it: {hint}." if hint else "",
        )
