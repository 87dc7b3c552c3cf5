"""OutboxDeliverer and OutboxWorker against the fake Slack Web API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

import bot.app
import bot.delivery
import bot.outbox_rows
from bot.app import build_client
from bot.delivery import OutboxDeliverer
from bot.delivery_outcomes import BACKOFF_MAX_SECONDS
from bot.outbox_payload import REFERENCE_WAIT_SECONDS
from bot.outbox_worker import OutboxWorker
from cadence.outbox import post_message, render_message, update_message
from slackfake import FakeSlack
from storage.db import new_session, session_scope
from storage.models import OutboxMessage
from tests.cast import GENERAL, GOV, MARIA, populate
from tests.conftest import make_settings

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Weekly governance* is open"}}]


@pytest.fixture
def deliverer(fake_slack: FakeSlack, engine: Engine) -> OutboxDeliverer:
    """A deliverer whose client talks to the fake, with slack_sdk's own retries off."""
    settings = make_settings(fake_slack, str(engine.url))
    return OutboxDeliverer(engine, build_client(settings, retries=False))


def queue(engine: Engine, key: str, channel: str = GENERAL, **extra: object) -> int:
    """Queue one chat.postMessage and return the row id."""
    with session_scope(engine) as db:
        message = post_message(db, key=key, channel=channel, text=f"text of {key}", **extra)
        assert message.id is not None
        return message.id


def row(engine: Engine, message_id: int) -> OutboxMessage:
    """The row as stored now."""
    with new_session(engine) as db:
        found = db.get(OutboxMessage, message_id)
        assert found is not None
        return found


def posts(fake: FakeSlack) -> int:
    """How many chat.postMessage requests reached the fake (failed ones included)."""
    return len(fake.calls_to("chat.postMessage"))


def test_queued_message_is_posted_once_and_row_records_the_result(
    deliverer, engine, fake_slack, frozen_clock
):
    message_id = queue(engine, "weekly-1", blocks=BLOCKS)

    report = deliverer.deliver_due()

    assert (report.sent, report.retried, report.failed, report.deferred) == (1, 0, 0, 0)
    [posted] = fake_slack.messages(GENERAL)
    assert posted["text"] == "text of weekly-1"
    assert posted["blocks"][0]["text"] == BLOCKS[0]["text"]
    stored = row(engine, message_id)
    assert stored.status == "sent"
    assert stored.result_ts == posted["ts"]
    assert stored.result_channel == GENERAL
    assert stored.sent_at == frozen_clock.current
    assert stored.attempts == 1
    assert stored.locked_until is None

    frozen_clock.advance(hours=1)
    again = deliverer.deliver_due()

    assert again.sent == 0
    assert posts(fake_slack) == 1
    assert len(fake_slack.messages()) == 1


def test_same_idempotency_key_is_queued_and_posted_once(deliverer, engine, fake_slack):
    first = queue(engine, "decision-42")
    second = queue(engine, "decision-42")

    deliverer.deliver_due()

    assert first == second
    assert len(fake_slack.messages(GENERAL)) == 1


def test_429_waits_for_retry_after_without_counting_an_attempt(
    deliverer, engine, fake_slack, frozen_clock
):
    message_id = queue(engine, "rate-limited")
    fake_slack.fail("chat.postMessage", status=429, retry_after=30)
    start = frozen_clock.current

    report = deliverer.deliver_due()

    assert (report.sent, report.retried) == (0, 1)
    assert fake_slack.messages() == []
    stored = row(engine, message_id)
    assert stored.status == "pending"
    assert stored.attempts == 0
    assert stored.next_attempt_at == start + timedelta(seconds=30)
    assert stored.last_error == "ratelimited"

    frozen_clock.advance(seconds=29)
    assert deliverer.deliver_due().sent == 0
    assert posts(fake_slack) == 1, "asked again before Retry-After had passed"

    frozen_clock.advance(seconds=1)
    assert deliverer.deliver_due().sent == 1
    assert len(fake_slack.messages(GENERAL)) == 1
    assert row(engine, message_id).status == "sent"


def test_500_is_retried_later_with_growing_backoff(deliverer, engine, fake_slack, frozen_clock):
    message_id = queue(engine, "server-error")
    fake_slack.fail("chat.postMessage", status=500, times=2)
    start = frozen_clock.current

    assert deliverer.deliver_due().retried == 1
    stored = row(engine, message_id)
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.last_error == "internal_error"
    assert stored.next_attempt_at == start + timedelta(seconds=1)

    assert deliverer.deliver_due().retried == 0, "retried before the backoff passed"
    frozen_clock.advance(seconds=1)
    assert deliverer.deliver_due().retried == 1
    stored = row(engine, message_id)
    assert stored.attempts == 2
    assert stored.next_attempt_at == start + timedelta(seconds=1 + 2)

    frozen_clock.advance(seconds=2)
    assert deliverer.deliver_due().sent == 1
    assert len(fake_slack.messages(GENERAL)) == 1
    assert posts(fake_slack) == 3
    assert row(engine, message_id).status == "sent"


@pytest.fixture
def short_timeout_deliverer(
    fake_slack: FakeSlack, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OutboxDeliverer]:
    """A deliverer whose client gives up on Slack after half a second."""
    monkeypatch.setattr(bot.app, "SLACK_TIMEOUT_SECONDS", 0.5)
    settings = make_settings(fake_slack, str(engine.url))
    yield OutboxDeliverer(engine, build_client(settings, retries=False))
    # Release the hung request so it is dropped rather than answered after the test.
    fake_slack.reset()
    populate(fake_slack)


def test_a_timeout_is_retried_later_and_nothing_is_lost(
    short_timeout_deliverer, engine, fake_slack, frozen_clock
):
    message_id = queue(engine, "slow-slack")
    fake_slack.hang("chat.postMessage", seconds=20)

    report = short_timeout_deliverer.deliver_due()

    assert (report.sent, report.retried) == (0, 1)
    stored = row(engine, message_id)
    assert (stored.status, stored.attempts) == ("pending", 1)
    assert stored.last_error is not None and stored.last_error.startswith("network:")
    assert stored.locked_until is None

    frozen_clock.advance(seconds=1)
    assert short_timeout_deliverer.deliver_due().sent == 1
    [posted] = fake_slack.messages(GENERAL)
    assert posted["text"] == "text of slow-slack"
    assert row(engine, message_id).result_ts == posted["ts"]


def test_permanent_error_fails_the_row_and_is_never_retried(
    deliverer, engine, fake_slack, frozen_clock
):
    message_id = queue(engine, "to-a-deleted-channel", channel="CGONE")
    fake_slack.fail("chat.postMessage", error="channel_not_found")

    report = deliverer.deliver_due()

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert "channel_not_found" in report.errors[0]
    stored = row(engine, message_id)
    assert stored.status == "failed"
    assert stored.last_error == "channel_not_found"
    assert stored.attempts == 1

    frozen_clock.advance(days=1)
    assert deliverer.deliver_due().failed == 0
    assert posts(fake_slack) == 1


def test_an_outage_of_any_length_loses_nothing(deliverer, engine, fake_slack, frozen_clock):
    message_id = queue(engine, "through-the-outage")
    fake_slack.fail("*", status=503, times=10_000)  # Slack is down for three hours

    for _ in range(60):
        deliverer.deliver_due()
        frozen_clock.advance(seconds=180)

    stored = row(engine, message_id)
    assert stored.status == "pending"
    assert stored.next_attempt_at - frozen_clock.current <= timedelta(
        seconds=BACKOFF_MAX_SECONDS
    ), "backoff is not capped"
    assert len(fake_slack.calls_to("chat.postMessage")) < 60, "did not back off"

    fake_slack.reset()  # Slack is back
    populate(fake_slack)
    frozen_clock.advance(seconds=BACKOFF_MAX_SECONDS)
    assert deliverer.deliver_due().sent == 1
    assert [m["text"] for m in fake_slack.messages(GENERAL)] == ["text of through-the-outage"]


def test_second_post_to_the_same_channel_is_paced(
    deliverer, engine, fake_slack, frozen_clock, monkeypatch
):
    first = queue(engine, "pace-1")
    second = queue(engine, "pace-2")
    other_channel = queue(engine, "pace-other", channel=GOV)
    start = frozen_clock.current

    report = deliverer.deliver_due()

    assert (report.sent, report.deferred) == (2, 1)
    assert [m["text"] for m in fake_slack.messages(GENERAL)] == ["text of pace-1"]
    assert len(fake_slack.messages(GOV)) == 1, "pacing is per channel"
    assert row(engine, first).status == "sent"
    assert row(engine, other_channel).status == "sent"
    deferred = row(engine, second)
    assert (deferred.status, deferred.attempts, deferred.last_error) == ("pending", 0, None)
    assert start < deferred.next_attempt_at <= start + timedelta(seconds=1)

    monkeypatch.setattr(bot.delivery, "CHANNEL_PACE_SECONDS", 0)
    frozen_clock.advance(seconds=1)
    assert deliverer.deliver_due().sent == 1
    assert [m["text"] for m in fake_slack.messages(GENERAL)] == ["text of pace-1", "text of pace-2"]
    assert row(engine, second).status == "sent"


def test_row_leased_by_another_replica_waits_for_the_lease_to_expire(
    deliverer, engine, fake_slack, frozen_clock
):
    message_id = queue(engine, "leased-elsewhere")
    with session_scope(engine) as db:
        leased = db.get(OutboxMessage, message_id)
        assert leased is not None
        leased.locked_until = frozen_clock.current + bot.outbox_rows.LEASE

    assert deliverer.deliver_due().sent == 0
    assert posts(fake_slack) == 0

    # That replica died mid-send: once its lease lapses, the message still goes out.
    frozen_clock.advance(seconds=bot.outbox_rows.LEASE.total_seconds() + 1)
    assert deliverer.deliver_due().sent == 1
    assert len(fake_slack.messages(GENERAL)) == 1


def test_message_to_a_user_id_lands_in_their_dm(deliverer, engine, fake_slack):
    message_id = queue(engine, "dm-maria", channel=MARIA)

    deliverer.deliver_due()

    [dm] = fake_slack.dms(MARIA)
    assert dm["text"] == "text of dm-maria"
    stored = row(engine, message_id)
    assert stored.result_channel == "D" + MARIA
    assert stored.result_ts == dm["ts"]


def test_worker_delivers_right_after_a_kick(deliverer, engine, fake_slack):
    worker = OutboxWorker(deliverer, interval=60)
    worker.start()
    try:
        queue(engine, "kicked")
        worker.kick()
        fake_slack.wait_for("chat.postMessage", timeout=5)
    finally:
        worker.stop()

    [posted] = fake_slack.messages(GENERAL)
    assert posted["text"] == "text of kicked"


def test_thread_reply_waits_for_its_parent_then_lands_in_its_thread(
    deliverer, engine, fake_slack, frozen_clock
):
    with session_scope(engine) as db:
        post_message(db, key="parent", channel=GOV, text="the parent")
        post_message(db, key="reply", channel=GOV, text="the reply", thread_of="parent")
    # A 500, not a 429: a 429 would hold back every chat.postMessage, the reply included.
    fake_slack.fail("chat.postMessage", status=500, times=1)
    report = deliverer.deliver_due()
    assert (report.sent, report.retried, report.deferred) == (0, 1, 1), "reply before parent"

    deliverer.channel_pace = 0
    frozen_clock.advance(seconds=REFERENCE_WAIT_SECONDS)
    deliverer.deliver_due()

    parent, reply = fake_slack.messages(GOV)
    assert parent["text"] == "the parent"
    assert reply["thread_ts"] == parent["ts"]


def test_reference_to_a_key_never_queued_is_dropped(deliverer, engine, fake_slack):
    with session_scope(engine) as db:
        post_message(db, key="orphan", channel=GOV, text="reply", thread_of="no-such-key")
    deliverer.deliver_due()
    assert fake_slack.calls_to("chat.postMessage") == []


def test_update_of_a_dm_uses_the_dm_channel_slack_returned(deliverer, engine, fake_slack):
    with session_scope(engine) as db:
        post_message(db, key="dm", channel=MARIA, text="please acknowledge")
    deliverer.deliver_due()
    with session_scope(engine) as db:
        update_message(db, key="dm-updated", of="dm", text="acknowledged")
    assert deliverer.deliver_due().sent == 1

    [update] = fake_slack.calls_to("chat.update")
    [dm] = fake_slack.dms(MARIA)
    assert update.params["ts"] == dm["ts"]
    assert update.params["channel"].startswith("D")
    assert dm["text"] == "acknowledged"


def test_reply_to_a_message_that_failed_is_dropped_not_retried_forever(
    deliverer, engine, fake_slack, frozen_clock
):
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with session_scope(engine) as db:
        post_message(db, key="lost-parent", channel="CGONE", text="parent")
        update_message(db, key="update-lost", of="lost-parent", text="new")
    deliverer.deliver_due()

    with new_session(engine) as db:
        update = db.exec(
            select(OutboxMessage).where(OutboxMessage.idempotency_key == "update-lost")
        ).one()
    assert update.status == "skipped"
    assert "lost-parent" in (update.last_error or "")
    assert fake_slack.calls_to("chat.update") == []


def test_rendered_message_is_built_from_the_database_when_sent(deliverer, engine, fake_slack):
    seen: list[dict] = []

    def tally(db, args):
        seen.append(args)
        count = len(db.exec(select(OutboxMessage)).all())
        return {"channel": GOV, "text": f"{args['label']}: {count} rows"}

    deliverer.renderers["tally"] = tally
    with session_scope(engine) as db:
        render_message(db, key="t1", method="chat.postMessage", renderer="tally",
                       args={"label": "now"})  # fmt: skip
        post_message(db, key="other", channel=GENERAL, text="queued after")

    deliverer.deliver_due()

    assert seen == [{"label": "now"}]
    assert [m["text"] for m in fake_slack.messages(GOV)] == ["now: 2 rows"]


def test_renderer_with_nothing_to_say_skips_the_message(deliverer, engine, fake_slack):
    deliverer.renderers["moot"] = lambda db, args: None
    with session_scope(engine) as db:
        render_message(db, key="m", method="chat.postMessage", renderer="moot", args={})
    report = deliverer.deliver_due()
    assert report.sent == 0
    assert fake_slack.calls_to("chat.postMessage") == []
