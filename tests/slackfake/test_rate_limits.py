"""The fake Slack's rate limits: per channel, per method per workspace, 429 + Retry-After."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.app import build_client
from slackfake.rate_limits import Rate, SlackRateLimits
from tests.cast import GENERAL, GOV, MARIA
from tests.conftest import make_settings


class Ticker:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.at = 100.0

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def ticker() -> Ticker:
    return Ticker()


def test_one_channel_takes_a_short_burst_then_one_message_per_second(ticker):
    limits = SlackRateLimits(workspace={}, per_channel=Rate(1.0, burst=2), clock=ticker)

    assert limits.admit("chat.postMessage", GENERAL) is None
    assert limits.admit("chat.postMessage", GENERAL) is None
    assert limits.admit("chat.postMessage", GENERAL) == 1
    assert limits.admit("chat.postMessage", GOV) is None, "the limit is per channel"

    ticker.at += 0.5
    assert limits.admit("chat.postMessage", GENERAL) == 1
    ticker.at += 0.5
    assert limits.admit("chat.postMessage", GENERAL) is None
    assert limits.limited == {"chat.postMessage": 2}
    assert limits.admitted == {"chat.postMessage": 4}


def test_workspace_limit_per_method_spans_channels_and_answers_whole_seconds(ticker):
    limits = SlackRateLimits(
        workspace={"chat.postMessage": Rate(5.0, burst=5), "chat.update": Rate(50 / 60)},
        per_channel=None,
        clock=ticker,
    )
    for n in range(5):
        assert limits.admit("chat.postMessage", f"C{n}") is None
    assert limits.admit("chat.postMessage", "C9") == 1  # 0.2 s rounded up, as Slack does
    assert limits.admit("chat.update", GENERAL) is None, "each method has its own budget"
    assert limits.admit("chat.update", GENERAL) == 2  # 1.2 s until the next tier-3 call
    assert limits.admit("users.info") is None, "methods without a limit pass"
    ticker.at += 0.2
    assert limits.admit("chat.postMessage", "C9") is None
    assert limits.total_limited == 2


def test_a_refused_call_spends_no_budget(ticker):
    limits = SlackRateLimits(
        workspace={"chat.postMessage": Rate(1.0, burst=1)},
        per_channel=Rate(1.0, burst=1),
        clock=ticker,
    )
    assert limits.admit("chat.postMessage", GENERAL) is None
    # Refused by the workspace limit: GOV's own channel budget must still be whole.
    assert limits.admit("chat.postMessage", GOV) == 1
    ticker.at += 1.0
    assert limits.admit("chat.postMessage", GOV) is None


def test_fake_answers_429_with_retry_after_once_limits_are_on(fake_slack, engine, ticker):
    client = build_client(make_settings(fake_slack, str(engine.url)), retries=False)
    client.chat_postMessage(channel=MARIA, text="no limits by default")
    client.chat_postMessage(channel=MARIA, text="still none")

    fake_slack.rate_limits = SlackRateLimits(
        workspace={}, per_channel=Rate(1.0, burst=1), clock=ticker
    )
    client.chat_postMessage(channel=MARIA, text="first")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=MARIA, text="too soon")

    assert refused.value.response.status_code == 429
    assert refused.value.response.headers["Retry-After"] == "1"
    assert [m["text"] for m in fake_slack.dms(MARIA)] == ["no limits by default", "still none",
                                                           "first"]  # fmt: skip
    assert fake_slack.calls_to("chat.postMessage")[-1].status == 429
    assert fake_slack.rate_limits.limited == {"chat.postMessage": 1}

    fake_slack.reset()
    assert fake_slack.rate_limits is None, "reset() turns the limits off again"
