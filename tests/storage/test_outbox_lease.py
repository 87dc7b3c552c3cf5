"""Outbox rows are leased: one deliverer at a time, until the lease runs out."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import outbox_rows
from bot.delivery import OutboxDeliverer
from bot.outbox_rows import LEASE
from cadence import outbox
from cadence.vocabulary import OutboxStatus
from storage.db import session_scope
from storage.models import OutboxMessage
from tests.conftest import FrozenClock

MakeDeliverer = Callable[[], OutboxDeliverer]


@pytest.fixture
def make_deliverer(any_engine: Engine) -> MakeDeliverer:
    """Deliverers as separate replicas would run them; nothing here reaches Slack."""

    def make() -> OutboxDeliverer:
        client = WebClient(token="xoxb-x", base_url="http://127.0.0.1:9/")
        return OutboxDeliverer(any_engine, client)

    return make


def pending_message(engine: Engine, key: str = "gov:1") -> int:
    """The id of a committed, pending outbox row."""
    with session_scope(engine) as db:
        message_id = outbox.post_message(db, key=key, channel="CGOV", text="This week").id
    assert message_id is not None
    return message_id


def test_only_one_deliverer_holds_the_lease(
    any_engine: Engine, make_deliverer: MakeDeliverer, frozen_clock: FrozenClock
) -> None:
    message_id = pending_message(any_engine)
    first, second = make_deliverer(), make_deliverer()

    assert outbox_rows.claim(first.engine, message_id) is True
    assert outbox_rows.claim(second.engine, message_id) is False
    assert outbox_rows.claim(first.engine, message_id) is False  # a lease is not re-entrant either

    with session_scope(any_engine) as db:
        message = db.get(OutboxMessage, message_id)
        assert message is not None
        assert message.locked_until == frozen_clock() + LEASE


def test_an_expired_lease_can_be_claimed_again(
    any_engine: Engine, make_deliverer: MakeDeliverer, frozen_clock: FrozenClock
) -> None:
    message_id = pending_message(any_engine)
    first, second = make_deliverer(), make_deliverer()
    assert outbox_rows.claim(first.engine, message_id) is True

    frozen_clock.advance(seconds=LEASE.total_seconds() - 1)
    assert outbox_rows.claim(second.engine, message_id) is False

    frozen_clock.advance(seconds=2)
    assert outbox_rows.claim(second.engine, message_id) is True
    assert outbox_rows.claim(first.engine, message_id) is False


def test_only_pending_messages_are_claimed(
    any_engine: Engine, make_deliverer: MakeDeliverer, frozen_clock: FrozenClock
) -> None:
    sent_id, failed_id = pending_message(any_engine, "gov:1"), pending_message(any_engine, "gov:2")
    with session_scope(any_engine) as db:
        for message_id, status in ((sent_id, OutboxStatus.SENT), (failed_id, OutboxStatus.FAILED)):
            message = db.get(OutboxMessage, message_id)
            assert message is not None
            message.status = status

    deliverer = make_deliverer()
    assert outbox_rows.claim(deliverer.engine, sent_id) is False
    assert outbox_rows.claim(deliverer.engine, failed_id) is False


def test_racing_deliverers_lease_each_row_once(
    any_engine: Engine, make_deliverer: MakeDeliverer, frozen_clock: FrozenClock
) -> None:
    message_ids = [pending_message(any_engine, f"gov:{n}") for n in range(3)]
    deliverers = [make_deliverer() for _ in range(4)]
    wins: dict[int, list[bool]] = {message_id: [] for message_id in message_ids}
    start = threading.Barrier(len(deliverers))

    def race(deliverer: OutboxDeliverer) -> None:
        start.wait(timeout=10)
        for message_id in message_ids:
            wins[message_id].append(outbox_rows.claim(deliverer.engine, message_id))

    threads = [threading.Thread(target=race, args=(d,)) for d in deliverers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert {message_id: sorted(won) for message_id, won in wins.items()} == {
        message_id: [False, False, False, True] for message_id in message_ids
    }
