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
from bot.delivery_outcomes import give_up, reschedule, retry_later, suspend
from bot.delivery_report import DeliveryReport
from bot.installations import WorkspaceClients, WorkspaceTokens
from bot.metrics import count_delivery
from bot.outbox_payload import (
    METADATA_EVENT,
    Drop,
    Renderer,
    Wait,
    prepare,
)
from bot.ratelimit import MethodLimiter
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import session_scope
from storage.models import OutboxMessage

logger = logging.getLogger(__name__)

CHANNEL_PACE_SECONDS = 1.0
POST = "chat.postMessage"
# A method's budget (bot/ratelimit.py) is waited for in-process up to this long; rows of a
# method that must wait longer are left due, unclaimed, for a later pass.
BUDGET_SLEEP_SECONDS = 0.5
# Slack answers these with ok:false but they pass; everything else with ok:false is final.
TRANSIENT_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                    "request_timeout"}  # fmt: skip
# The workspace's token no longer works: with installations (OAuth) the workspace removed the
# app, so its messages are held until it installs it again rather than failed.
TOKEN_GONE_ERRORS = {"token_revoked", "invalid_auth", "account_inactive", "not_authed",
                     "token_expired"}  # fmt: skip
# How often held messages are checked for a workspace installed again (the install itself
# resumes them at once; this catches an install that raced a hold).
RESUME_CHECK_SECONDS = 30.0
NOT_INSTALLED = "held: Cadence is not installed in this workspace; delivered when it is again"


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
        tokens: WorkspaceTokens | None = None,
    ) -> None:
        self.engine = engine
        # Whose token each message goes with: the one client, or (OAuth) its workspace's.
        self.clients = WorkspaceClients(client, tokens, monotonic=monotonic)
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
        self._resume_checked = float("-inf")

    def deliver_due(self, *, limit: int = 100) -> DeliveryReport:
        """Deliver every due message once; return what happened."""
        report = DeliveryReport()
        with self._lock:
            self._resume_reinstalled()
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

    def _resume_reinstalled(self) -> None:
        """Held messages of workspaces that have an installation again become due."""
        at = self.monotonic()
        if not self.clients.per_workspace or at - self._resume_checked < RESUME_CHECK_SECONDS:
            return
        self._resume_checked = at
        with session_scope(self.engine) as db:
            for team in outbox.held_teams(db):
                if self.clients.token_for(team, fresh=True) is not None:
                    outbox.resume_workspace(db, team_id=team)

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
            # Not installed as of a few seconds ago? Look again before holding it back.
            client = self.clients.for_team(message.team_id) or self.clients.for_team(
                message.team_id, fresh=True
            )
            if client is None:
                suspend(message, NOT_INSTALLED, report)
                return
            prepared = prepare(db, message, self.renderers, self._pace_wait)
            if isinstance(prepared, Wait):
                reschedule(message, delay=prepared.seconds, error=prepared.reason)
                report.deferred += 1
                return
            if isinstance(prepared, Drop):
                message.status = OutboxStatus.SKIPPED
                message.locked_until = None
                message.last_error = prepared.reason[:500]
                return
            payload = prepared
            # A canvas create names its channel `channel_id` (a refusal hint needs it).
            channel = str(payload.get("channel") or payload.get("channel_id") or "")
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
            client, method, payload, key, uncertain=uncertain
        )
        if outcome is None:
            self._spend_budget(method)
            started = self.monotonic()
            outcome = self._call(client, method, payload)
        with session_scope(self.engine) as db:
            message = db.get(OutboxMessage, message_id)
            if message is None:
                return
            if isinstance(outcome, SlackApiError) and self._token_refused(outcome):
                self._on_token_refused(message, client, report)
                return
            self._record(db, message, outcome, report, channel=channel, started=started)

    def _token_refused(self, exc: SlackApiError) -> bool:
        """Whether Slack refused the workspace's token (OAuth mode only: with one configured
        token the refusal fails the message, as it always did)."""
        return self.clients.per_workspace and exc.response.get("error") in TOKEN_GONE_ERRORS

    def _on_token_refused(
        self, message: OutboxMessage, used: WebClient, report: DeliveryReport
    ) -> None:
        """The workspace removed the app: hold the message. Installed again meanwhile (a new
        token)? Then try again at once with that one."""
        message.in_flight_at = None  # a refused call posted nothing
        message.attempts -= 1  # not the message's fault
        self.clients.refused(used.token)
        current = self.clients.token_for(message.team_id or "", fresh=True)
        if current is not None and current != used.token:
            reschedule(message, delay=0, error="token replaced by a new installation")
            report.retried += 1
            return
        suspend(message, NOT_INSTALLED, report)

    def _call(
        self, client: WebClient, method: str, payload: dict[str, Any]
    ) -> dict[str, Any] | Exception:
        try:
            return dict(client.api_call(method, json=payload).data)  # type: ignore[arg-type]
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
            retry_later(message, f"network: {type(outcome).__name__}: {outcome}", report)
            return
        message.in_flight_at = None
        if isinstance(outcome, SlackApiError):
            self._on_api_error(db, message, outcome, report, channel=channel)
        elif isinstance(outcome, Exception):
            retry_later(message, f"network: {type(outcome).__name__}: {outcome}", report)
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
            reschedule(message, delay=retry_after, error="ratelimited")
            report.retried += 1
        elif status >= 500 or error in TRANSIENT_ERRORS:
            retry_later(message, error, report)
        else:
            give_up(db, message, error, report, channel=channel)
