"""Outbox intents: what Cadence wants said in Slack, written with the change that caused it."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from cadence.clock import now
from cadence.vocabulary import OutboxStatus
from storage.db import insert_if_absent
from storage.models import OutboxMessage

# Slack shows up to 4,000 characters of a message's text before cutting it.
MESSAGE_TEXT_MAX = 4000


def enqueue(db: Session, *, key: str, method: str, payload: dict[str, Any]) -> OutboxMessage:
    """Record an intent once per idempotency key; a repeated key returns the existing row."""
    db.flush()  # rows added to the session earlier must exist before the raw insert
    moment = now()
    insert_if_absent(
        db,
        OutboxMessage,
        key=["idempotency_key"],
        idempotency_key=key,
        method=method,
        payload=payload,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=moment,
        created_at=moment,
    )
    return db.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def post_message(
    db: Session, *, key: str, channel: str, text: str, blocks: list[dict[str, Any]] | None = None
) -> OutboxMessage:
    """Queue a chat.postMessage to a channel, or to a user id (delivered as a DM)."""
    if len(text) > MESSAGE_TEXT_MAX:
        text = text[: MESSAGE_TEXT_MAX - 1] + "…"
    payload: dict[str, Any] = {"channel": channel, "text": text}
    if blocks:
        payload["blocks"] = blocks
    return enqueue(db, key=key, method="chat.postMessage", payload=payload)
