"""What becomes of an outbox message after an attempt: tried again later, held for its
workspace, or given up on with the evidence kept (bot/delivery.py decides which)."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlmodel import Session

from bot.delivery_report import DeliveryReport
from cadence.delivery_failures import record_delivery_failure
from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.models import OutboxMessage

logger = logging.getLogger("bot.delivery")

# Transient failures (5xx, timeouts, Slack unreachable) are retried for as long as the outage
# lasts, backing off up to this; only Slack's permanent refusals end a message.
BACKOFF_MAX_SECONDS = 300
# Every this many failed attempts in a row, a warning says a message is still stuck.
WARN_EVERY_ATTEMPTS = 10


def reschedule(message: OutboxMessage, *, delay: float, error: str | None) -> None:
    """Due again in `delay` seconds, unleased; `error` (if any) recorded as the last one."""
    message.next_attempt_at = now() + timedelta(seconds=delay)
    message.locked_until = None
    if error is not None:
        message.last_error = error[:500]


def retry_later(message: OutboxMessage, error: str, report: DeliveryReport) -> None:
    """Try again after a capped exponential backoff; an outage never loses the message."""
    exponent = min(max(message.attempts - 1, 0), 16)
    reschedule(message, delay=min(2**exponent, BACKOFF_MAX_SECONDS), error=error)
    report.retried += 1
    if message.attempts % WARN_EVERY_ATTEMPTS == 0:
        logger.warning(
            "Still cannot deliver %s after %d attempts (%s); retrying every %d s",
            message.idempotency_key, message.attempts, error, BACKOFF_MAX_SECONDS,
        )  # fmt: skip


def suspend(message: OutboxMessage, reason: str, report: DeliveryReport) -> None:
    """Keep the message, not attempted, until its workspace installs Cadence again."""
    message.status = OutboxStatus.HELD
    message.locked_until = None
    message.last_error = reason[:500]
    report.suspended += 1


def give_up(
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
