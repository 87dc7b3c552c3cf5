"""The deliverer after crashes, lost answers and permanent refusals: nothing twice, nothing lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import select

import bot.app
from bot.app import build_deliverer
from bot.delivery import OutboxDeliverer
from bot.outbox_rows import LEASE
from cadence.governance import threads
from cadence.outbox import post_message
from slackfake import FakeSlack
from storage.db import new_session, session_scope
from storage.models import AuditEvent, OutboxMessage, OwnerAssignment
from tests.cast import GENERAL, GOV, LI, MARIA, populate
from tests.conftest import make_settings
from tests.storage.factories import workflow_row


@pytest.fixture
def deliverer(
    fake_slack: FakeSlack, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[OutboxDeliverer]:
    """A deliverer that gives up on a silent Slack after half a second."""
    monkeypatch.setattr(bot.app, "SLACK_TIMEOUT_SECONDS", 0.5)
    yield restarted(fake_slack, engine)
    fake_slack.reset()  # release hung requests
    populate(fake_slack)


def restarted(fake_slack: FakeSlack, engine: Engine) -> OutboxDeliverer:
    """A brand-new deliverer, as after a process restart."""
    return build_deliverer(make_settings(fake_slack, str(engine.url)), engine, retries=False)


def queue(engine: Engine, key: str, channel: str) -> None:
    with session_scope(engine) as db:
        post_message(db, key=key, channel=channel, text=f"text of {key}")


def stored(engine: Engine, key: str) -> OutboxMessage:
    with new_session(engine) as db:
        return db.exec(select(OutboxMessage).where(OutboxMessage.idempotency_key == key)).one()


@pytest.mark.parametrize("channel", [GENERAL, MARIA], ids=["channel", "dm"])
def test_answer_lost_after_slack_posted_is_found_not_posted_again(
    deliverer, engine, fake_slack, frozen_clock, channel
):
    queue(engine, "reminder-1", channel)
    fake_slack.lose_response("chat.postMessage", seconds=20)

    first = deliverer.deliver_due()

    assert first.retried == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert stored(engine, "reminder-1").in_flight_at is not None

    frozen_clock.advance(seconds=1)
    second = deliverer.deliver_due()

    assert second.sent == 1
    assert len(fake_slack.calls_to("chat.postMessage")) == 1, "posted twice"
    [posted] = fake_slack.messages(GENERAL) if channel == GENERAL else fake_slack.dms(MARIA)
    row = stored(engine, "reminder-1")
    assert (row.status, row.result_ts, row.in_flight_at) == ("sent", posted["ts"], None)


def test_worker_killed_between_slack_and_the_database_sends_nothing_twice(
    deliverer, engine, fake_slack, frozen_clock, monkeypatch
):
    for n in range(3):
        queue(engine, f"dm-{n}", [MARIA, LI, GENERAL][n])

    class Killed(BaseException):
        """The process dies: nothing after the Slack call runs."""

    calls = 0
    original = OutboxDeliverer._record

    def die_on_second(self, *args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise Killed
        return original(self, *args, **kwargs)

    monkeypatch.setattr(OutboxDeliverer, "_record", die_on_second)
    with pytest.raises(Killed):
        deliverer.deliver_due()
    monkeypatch.setattr(OutboxDeliverer, "_record", original)
    assert len(fake_slack.calls_to("chat.postMessage")) == 2

    # Restart: the dead worker's lease must expire before anyone touches its row.
    fresh = restarted(fake_slack, engine)
    assert fresh.deliver_due().sent == 1
    frozen_clock.advance(seconds=LEASE.total_seconds() + 1)
    assert fresh.deliver_due().sent == 1

    assert len(fake_slack.calls_to("chat.postMessage")) == 3
    assert [m["text"] for m in fake_slack.dms(MARIA)] == ["text of dm-0"]
    assert [m["text"] for m in fake_slack.dms(LI)] == ["text of dm-1"]
    assert [m["text"] for m in fake_slack.messages(GENERAL)] == ["text of dm-2"]
    assert {stored(engine, f"dm-{n}").status for n in range(3)} == {"sent"}


def test_without_history_access_an_unanswered_post_is_sent_again_rather_than_lost(
    deliverer, engine, fake_slack, frozen_clock
):
    queue(engine, "notice", GENERAL)
    fake_slack.lose_response("chat.postMessage", seconds=20)
    deliverer.deliver_due()
    fake_slack.fail("conversations.history", error="missing_scope")

    frozen_clock.advance(seconds=1)
    assert deliverer.deliver_due().sent == 1
    assert len(fake_slack.messages(GENERAL)) == 2


def test_refused_for_good_is_audited_and_the_owners_get_a_fix(
    deliverer, engine, fake_slack, caplog
):
    with session_scope(engine) as db:
        workflow = workflow_row(name="Support resolution", team_id="T0001", channel_id=GOV)
        db.add(workflow)
        db.flush()
        for role, user in (("outcome", MARIA), ("workflow", LI)):
            db.add(OwnerAssignment(workflow_id=workflow.id or 0, role=role, user_id=user,
                                   assigned_by=MARIA))  # fmt: skip
        post_message(db, key="weekly", channel=GOV, text="Weekly governance", team_id="T0001")
        post_message(db, key="weekly-2", channel=GOV, text="Another", team_id="T0001")
    fake_slack.fail("chat.postMessage", error="not_in_channel", times=2)

    with caplog.at_level(logging.ERROR, logger="bot.delivery"):
        report = deliverer.deliver_due()
        deliverer.deliver_due()

    assert report.failed == 2
    assert "invite @Cadence" in caplog.text and "weekly" in caplog.text
    with new_session(engine) as db:
        events = db.exec(select(AuditEvent).where(AuditEvent.action == "outbox.failed")).all()
    assert [e.detail["key"] for e in events] == ["weekly", "weekly-2"]
    assert events[0].detail["error"] == "not_in_channel"
    assert events[0].workflow_id == workflow.id
    for owner in (MARIA, LI):
        [hint] = fake_slack.dms(owner)
        assert f"<#{GOV}>" in hint["text"] and "/invite @Cadence" in hint["text"]


def test_a_dm_refused_for_good_is_audited_without_a_hint(deliverer, engine, fake_slack):
    queue(engine, "dm-gone", "UNOBODY")
    fake_slack.fail("chat.postMessage", error="user_not_found")

    assert deliverer.deliver_due().failed == 1
    with new_session(engine) as db:
        [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "outbox.failed")).all()
    assert (event.detail["error"], event.detail["hint"]) == ("user_not_found", None)
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


def test_a_governance_thread_refused_for_good_still_tells_the_owners(
    deliverer, engine, fake_slack, frozen_clock
):
    """The parent is rendered when sent, so its channel is known only then."""
    with session_scope(engine) as db:
        workflow = workflow_row(name="Support resolution", team_id="T0001", channel_id=GOV)
        workflow.created_at = frozen_clock.current - timedelta(days=30)
        db.add(workflow)
        db.flush()
        for role, user in (("outcome", MARIA), ("workflow", LI)):
            db.add(OwnerAssignment(workflow_id=workflow.id or 0, role=role, user_id=user,
                                   assigned_by=MARIA))  # fmt: skip
        db.flush()
        threads.open_session(db, workflow_id=workflow.id, week_start=date(2026, 11, 23),
                                opening=frozen_clock.current, default_zone="UTC")  # fmt: skip
    fake_slack.fail("chat.postMessage", error="not_in_channel", times=1)
    deliverer.channel_pace = 0

    assert deliverer.deliver_due().failed == 1
    deliverer.deliver_due()

    with new_session(engine) as db:
        [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "outbox.failed")).all()
    assert (event.detail["channel"], event.workflow_id) == (GOV, workflow.id)
    for owner in (MARIA, LI):
        assert any("/invite @Cadence" in m["text"] for m in fake_slack.dms(owner))
