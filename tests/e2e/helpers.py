"""Small helpers for end-to-end tests: run a command and read what the person saw."""

from __future__ import annotations

import time

from sqlmodel import select

from cadence.vocabulary import OutboxStatus
from slackfake.forms import all_text
from storage.models import AuditEvent, OutboxMessage
from tests.cast import GENERAL
from tests.conftest import RunningBot


def run(bot: RunningBot, command: str, text: str, *, user: str, channel: str = GENERAL) -> dict:
    """Run a slash command as `user`; return the bot's answer (ack body or response_url post)."""
    reply = bot.sim.command(command, text, user=user, channel=channel)
    assert reply.status == 200, reply.body
    assert reply.elapsed < 3, f"ack took {reply.elapsed:.2f}s"
    if reply.body.strip():
        return reply.json or {"text": reply.body}
    return bot.fake.wait_for_responses(key=reply.response_url)[0]


def said(answer: dict) -> str:
    """Everything visible in an answer: its text and its blocks."""
    return answer.get("text", "") + "\n" + all_text(answer.get("blocks") or [])


def audit_actions(bot: RunningBot) -> list[str]:
    """Every audit action stored so far, oldest first."""
    with bot.session() as db:
        return [e.action for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


def outbox_keys(bot: RunningBot) -> list[str]:
    """Every outbox idempotency key stored so far."""
    with bot.session() as db:
        return [m.idempotency_key for m in db.exec(select(OutboxMessage)).all()]


def channel_texts(bot: RunningBot, channel: str) -> list[str]:
    """Texts the bot posted in a channel (or DM), oldest first."""
    return [m.get("text", "") for m in bot.fake.messages(channel=channel)]


def pending_rows(bot: RunningBot) -> list[OutboxMessage]:
    """The outbox rows still waiting to be delivered."""
    with bot.session() as db:
        query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING)
        return list(db.exec(query).all())


def wait_for_the_worker(bot: RunningBot, seconds: float = 10.0) -> None:
    """Deliver what is still pending, without moving the frozen clock: the bot's own outbox
    worker may hold a row's lease (in real time) after frozen time has moved on, so give it real
    time to finish, up to `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        bot.deliverer.deliver_due()
        pending = pending_rows(bot)
        if not pending:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending: {[m.idempotency_key for m in pending]}")
        time.sleep(0.05)
