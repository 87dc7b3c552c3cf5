"""Outbox intents: one row per idempotency key, text within Slack's limit."""

from __future__ import annotations

from sqlmodel import Session

from cadence import outbox
from tests.cadence.helpers import outbox_rows


def test_post_message_queues_a_pending_chat_post(db: Session) -> None:
    message = outbox.post_message(db, key="k", channel="C1", text="hello")
    assert (message.idempotency_key, message.method, message.status) == (
        "k",
        "chat.postMessage",
        "pending",
    )
    assert message.payload == {"channel": "C1", "text": "hello"}
    blocks = [{"type": "divider"}]
    with_blocks = outbox.post_message(db, key="k2", channel="C1", text="hi", blocks=blocks)
    assert with_blocks.payload["blocks"] == blocks


def test_a_repeated_key_returns_the_first_row_unchanged(db: Session) -> None:
    first = outbox.post_message(db, key="k", channel="C1", text="first")
    again = outbox.post_message(db, key="k", channel="C2", text="second")
    assert again.id == first.id
    assert again.payload == {"channel": "C1", "text": "first"}
    assert len(outbox_rows(db)) == 1


def test_long_text_is_cut_with_an_ellipsis(db: Session) -> None:
    limit = outbox.MESSAGE_TEXT_MAX
    exact = outbox.post_message(db, key="a", channel="C1", text="x" * limit)
    assert exact.payload["text"] == "x" * limit
    long = outbox.post_message(db, key="b", channel="C1", text="y" * (limit + 50))
    assert len(long.payload["text"]) == limit
    assert long.payload["text"].endswith("y…")
