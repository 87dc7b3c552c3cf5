"""The connection's bad days: Slack recycling it, closing it mid-burst, missing an ack, going
half-dead; each time the bot carries on, and nothing is processed twice."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from slackfake import FakeSlack
from tests.cast import BENCH_USERS, EVE
from tests.e2e.helpers import run, said
from tests.socket_mode.conftest import PING_INTERVAL


def acked(fake: FakeSlack) -> int:
    return sum(e.acked for e in fake.envelopes())


def answers(fake: FakeSlack, reply) -> int:
    """How often a command was answered: in its ack, and at its response_url."""
    return bool(reply.body.strip()) + len(fake.responses(reply.response_url))


def assert_nothing_processed_twice(fake: FakeSlack) -> None:
    """No envelope was acked twice: each delivery was handled at most once."""
    assert all(len(e.acks) <= 1 for e in fake.envelopes())


def publishes(fake: FakeSlack, user: str) -> int:
    return sum(
        1 for c in fake.calls_to("views.publish") if c.params.get("user_id") == user and c.ok
    )


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
def test_a_disconnect_notice_moves_to_a_new_connection_and_loses_no_ack(bot, reason):
    with ThreadPoolExecutor(10) as pool:
        replies = [pool.submit(bot.sim.command, "/cadence", "help", user=EVE) for _ in range(10)]
        bot.fake.wait_for(lambda: len(bot.fake.envelopes()) >= 5)
        bot.fake.send_disconnect(reason)
        bot.fake.wait_for_link(2, timeout=5)
        replies = [r.result() for r in replies]
    assert all(r.status == 200 for r in replies)
    assert [answers(bot.fake, r) for r in replies] == [1] * 10
    assert_nothing_processed_twice(bot.fake)
    bot.fake.wait_for(lambda: not bot.fake.links()[0].is_open)  # the old one is let go
    assert "Cadence commands" in said(run(bot, "/cadence", "help", user=EVE))
    assert bot.fake.envelopes()[-1].link == 2


def test_the_server_closing_mid_burst(bot):
    """30 commands and 20 Home tabs in flight; the connection drops after the first few acks.
    The bot is back within seconds; every command acked was answered once, every Home tab was
    published once (events not acked are delivered again and recognised)."""
    bot.sim.timeout = 5  # a command not acked in time is a failure the person sees; fine here
    people = BENCH_USERS[:20]
    for user in people:
        bot.fake.add_user(user)
    with ThreadPoolExecutor(50) as pool:
        commands = [pool.submit(bot.sim.command, "/cadence", "help", user=EVE) for _ in range(30)]
        homes = [pool.submit(bot.sim.home_opened, user) for user in people]
        bot.fake.wait_for(lambda: acked(bot.fake) >= 5)
        in_flight = len(bot.fake.envelopes()) - acked(bot.fake)
        dropped = time.monotonic()
        bot.fake.links()[0].drop()
        bot.fake.wait_for_link(2, timeout=5)
        back_after = time.monotonic() - dropped
        commands, homes = [f.result() for f in commands], [f.result() for f in homes]
    assert in_flight > 0, "the drop came after the burst, not in the middle of it"
    assert back_after < 3, f"reconnected after {back_after:.1f}s"
    answered = [r for r in commands if r.status == 200]
    assert len(answered) >= 5
    assert all(answers(bot.fake, r) == 1 for r in answered)
    assert_nothing_processed_twice(bot.fake)
    assert all(r.status == 200 for r in homes)
    for user in people:
        bot.fake.wait_for(lambda u=user: publishes(bot.fake, u) >= 1)
    with pytest.raises(AssertionError):  # and no second publish follows
        bot.fake.wait_for(lambda: any(publishes(bot.fake, u) > 1 for u in people), timeout=1)
    assert len(bot.fake.links()) == 2


def test_an_event_whose_ack_was_lost_is_redelivered_and_processed_once(bot):
    bot.fake.socket_ack_timeout = 0.5
    bot.fake.lose_acks(1)
    reply = bot.sim.home_opened(EVE)
    assert reply.status == 200
    [first, retry] = bot.fake.envelopes()
    assert (first.acked, first.retry_attempt) == (False, 0)
    assert (retry.acked, retry.retry_attempt, retry.retry_reason) == (True, 1, "timeout")
    assert retry.payload["event_id"] == first.payload["event_id"]
    bot.fake.wait_for(lambda: publishes(bot.fake, EVE) == 1)
    with pytest.raises(AssertionError):
        bot.fake.wait_for(lambda: publishes(bot.fake, EVE) > 1, timeout=1)


def test_a_half_dead_connection_is_noticed_and_replaced(bot):
    """The connection stops answering (pings included) but TCP stays up: the bot's pings go
    unanswered, it gives up on that connection and opens a new one."""
    first = bot.fake.links()[0]
    bot.fake.wait_for(lambda: first.pings >= 1)  # the bot pings
    first.go_silent()
    silenced = time.monotonic()
    bot.fake.wait_for_link(2, timeout=10)
    replaced_after = time.monotonic() - silenced
    assert replaced_after < 6 * PING_INTERVAL, f"replaced after {replaced_after:.1f}s"
    assert "Cadence commands" in said(run(bot, "/cadence", "help", user=EVE))
    assert bot.fake.envelopes()[-1].link == 2
