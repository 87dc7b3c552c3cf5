"""Outbox intents: what Cadence wants said in Slack, written with the change that caused it."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from cadence.vocabulary import OutboxStatus
from storage.clock import now
from storage.db import insert_if_absent
from storage.models import OutboxMessage


class RendererName(StrEnum):
    """Messages built when they are sent, by the renderer of this name (handlers/renderers/)."""

    GOVERNANCE_PARENT = "governance.parent"
    GOVERNANCE_TALLY = "governance.tally"
    ESCALATION_DM = "escalation.dm"
    ESCALATION_NOTICE = "escalation.notice"
    ESCALATION_COUNCIL = "escalation.council"
    REMINDER = "reminder"
    COUNCIL_REPORT = "evidence.council_report"
    RESET_CHECKLIST = "reset.checklist"
    RESET_REFRESH = "reset.refresh"
    RESET_MONDAY = "reset.monday"
    RESET_SUMMARY = "reset.summary"
    CANVAS_CREATE = "canvas.create"
    CANVAS_EDIT = "canvas.edit"
    CANVAS_RENAME = "canvas.rename"
    CANVAS_FALLBACK_MAP = "canvas.fallback_map"
    CANVAS_FALLBACK_LOG = "canvas.fallback_log"


# Slack shows up to 4,000 characters of a message's text before cutting it.
MESSAGE_TEXT_MAX = 4000
# Set in a session's `info` once it queued a message: its commit has something to deliver.
QUEUED = "cadence.outbox.queued"


def enqueue(
    db: Session,
    *,
    key: str,
    method: str,
    payload: dict[str, Any],
    team_id: str | None = None,
    delay: timedelta | None = None,
) -> OutboxMessage:
    """Record an intent once per idempotency key; a repeated key returns the existing row.

    Every message belongs to a workspace (delivered with its token); a reply or an update that
    names no `team_id` takes the one of the message it refers to. `delay`: not sent before
    then (a refresh that waits for a burst of changes to end).
    """
    db.flush()  # rows added to the session earlier must exist before the raw insert
    if team_id is None:
        team_id = _team_of_reference(db, payload)
    db.info[QUEUED] = True
    moment = now()
    insert_if_absent(
        db,
        OutboxMessage,
        key=["idempotency_key"],
        idempotency_key=key,
        team_id=team_id,
        method=method,
        payload=payload,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=moment + delay if delay else moment,
        created_at=moment,
    )
    return db.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


def post_message(
    db: Session,
    *,
    key: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_of: str | None = None,
    team_id: str | None = None,
) -> OutboxMessage:
    """Queue a chat.postMessage to a channel, or to a user id (delivered as a DM).

    `thread_of` is the key of an earlier outbox message: the reply goes in its thread once
    that message has been delivered.
    """
    payload = _content(text, blocks)
    payload["channel"] = channel
    if thread_of is not None:
        payload["thread_of"] = thread_of
    return enqueue(db, key=key, method="chat.postMessage", payload=payload, team_id=team_id)


def update_message(
    db: Session,
    *,
    key: str,
    of: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    team_id: str | None = None,
) -> OutboxMessage:
    """Queue a chat.update of the message queued earlier under the key `of`."""
    payload = _content(text, blocks)
    payload["message_of"] = of
    return enqueue(db, key=key, method="chat.update", payload=payload, team_id=team_id)


def render_message(
    db: Session,
    *,
    key: str,
    method: str,
    renderer: RendererName,
    args: dict[str, Any],
    of: str | None = None,
    after: str | None = None,
    team_id: str | None = None,
    delay: timedelta | None = None,
) -> OutboxMessage:
    """Queue a message whose content a named renderer builds at the moment it is sent.

    For updates that must show the latest state (a live tally), however late they go out.
    `after`: the key of an earlier message that must have been delivered first (dropped if
    that one never is).
    """
    payload: dict[str, Any] = {"render": str(renderer), "args": args}
    if of is not None:
        payload["message_of"] = of
    if after is not None:
        payload["after"] = after
    return enqueue(db, key=key, method=method, payload=payload, team_id=team_id, delay=delay)


def _team_of_reference(db: Session, payload: dict[str, Any]) -> str | None:
    reference = payload.get("message_of") or payload.get("thread_of")
    if reference is None:
        return None
    return db.exec(
        select(OutboxMessage.team_id).where(OutboxMessage.idempotency_key == reference)
    ).first()


def hold_workspace(db: Session, *, team_id: str, reason: str) -> int:
    """Stop delivering to a workspace that removed the app: its pending messages are kept,
    marked held with `reason`, and not attempted. Returns how many."""
    result = db.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.team_id) == team_id)
        .where(col(OutboxMessage.status) == OutboxStatus.PENDING)
        .values(status=OutboxStatus.HELD, last_error=reason[:500], locked_until=None)
    )
    return int(result.rowcount or 0)


def held_teams(db: Session) -> list[str]:
    """The workspaces with held messages."""
    query = select(OutboxMessage.team_id).where(OutboxMessage.status == OutboxStatus.HELD)
    return [team for team in db.exec(query.distinct()).all() if team]


def resume_workspace(db: Session, *, team_id: str) -> int:
    """The workspace installed the app again: its held messages are due now. Returns how many."""
    result = db.exec(  # type: ignore[call-overload]
        update(OutboxMessage)
        .where(col(OutboxMessage.team_id) == team_id)
        .where(col(OutboxMessage.status) == OutboxStatus.HELD)
        .values(status=OutboxStatus.PENDING, next_attempt_at=now(), locked_until=None)
    )
    count = int(result.rowcount or 0)
    if count:
        db.info[QUEUED] = True
    return count


def sent_message(db: Session, *, key: str) -> OutboxMessage | None:
    """The outbox row under `key` if it has been delivered (with its channel and ts)."""
    message = db.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).first()
    return message if message is not None and message.status == OutboxStatus.SENT else None


def _content(text: str, blocks: list[dict[str, Any]] | None) -> dict[str, Any]:
    if len(text) > MESSAGE_TEXT_MAX:
        text = text[: MESSAGE_TEXT_MAX - 1] + "…"
    payload: dict[str, Any] = {"text": text}
    if blocks:
        payload["blocks"] = blocks
    return payload
