"""One LIMITS table: the fake Slack and the Block Kit checker both accept a payload at each
limit and both refuse it one past, so neither can drift from what the builders truncate to."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackfake import FakeSlack
from slackfake.limits import LIMITS
from tests.blockkit import assert_within_limits
from tests.cast import GENERAL


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def _button(**fields: Any) -> list[dict[str, Any]]:
    button = {"type": "button", "text": _plain("Go"), "action_id": "go", **fields}
    return [{"type": "actions", "elements": [button]}]


def _option(text: str = "One", value: str = "1") -> list[dict[str, Any]]:
    options = [{"text": _plain(text), "value": value}]
    return [{"type": "actions", "elements": [{"type": "static_select", "action_id": "pick",
                                              "options": options}]}]  # fmt: skip


def _modal(**fields: Any) -> dict[str, Any]:
    return {"type": "modal", "title": _plain("Title"), "blocks": [{"type": "divider"}], **fields}


MESSAGES: dict[str, tuple[Callable[[int], list[dict[str, Any]]], int]] = {
    "blocks per message": (lambda n: [{"type": "divider"}] * n, LIMITS.message_blocks),
    "header text": (lambda n: [{"type": "header", "text": _plain("h" * n)}], LIMITS.header_text),
    "section text": (
        lambda n: [{"type": "section", "text": {"type": "mrkdwn", "text": "s" * n}}],
        LIMITS.section_text,
    ),
    "block_id": (lambda n: [{"type": "divider", "block_id": "b" * n}], LIMITS.identifier),
    "action_id": (lambda n: _button(action_id="a" * n), LIMITS.identifier),
    "button text": (lambda n: _button(text=_plain("b" * n)), LIMITS.button_text),
    "button value": (lambda n: _button(value="v" * n), LIMITS.button_value),
    "option text": (lambda n: _option(text="t" * n), LIMITS.option_text),
    "option value": (lambda n: _option(value="v" * n), LIMITS.option_value),
}
VIEWS: dict[str, tuple[Callable[[int], dict[str, Any]], int]] = {
    "blocks per modal": (lambda n: _modal(blocks=[{"type": "divider"}] * n), LIMITS.modal_blocks),
    "modal title": (lambda n: _modal(title=_plain("t" * n)), LIMITS.modal_title),
    "modal close": (lambda n: _modal(close=_plain("c" * n)), LIMITS.modal_button),
    "private_metadata": (lambda n: _modal(private_metadata="m" * n), LIMITS.private_metadata),
    "callback_id": (lambda n: _modal(callback_id="c" * n), LIMITS.identifier),
}


@pytest.mark.parametrize(("make", "limit"), MESSAGES.values(), ids=MESSAGES.keys())
def test_a_message_at_the_limit_passes_both_and_one_past_fails_both(
    slack_client: WebClient, make: Callable[[int], list[dict[str, Any]]], limit: int
) -> None:
    assert_within_limits(make(limit), "message")
    assert slack_client.chat_postMessage(channel=GENERAL, text="t", blocks=make(limit))["ok"]

    with pytest.raises(AssertionError, match=f"> {limit}"):
        assert_within_limits(make(limit + 1), "message")
    with pytest.raises(SlackApiError, match="invalid_blocks"):
        slack_client.chat_postMessage(channel=GENERAL, text="t", blocks=make(limit + 1))


@pytest.mark.parametrize(("make", "limit"), VIEWS.values(), ids=VIEWS.keys())
def test_a_modal_at_the_limit_passes_both_and_one_past_fails_both(
    fake_slack: FakeSlack,
    slack_client: WebClient,
    make: Callable[[int], dict[str, Any]],
    limit: int,
) -> None:
    assert_within_limits(make(limit), "modal")
    assert slack_client.views_open(trigger_id=fake_slack.new_trigger_id(), view=make(limit))["ok"]

    with pytest.raises(AssertionError, match=f"> {limit}"):
        assert_within_limits(make(limit + 1), "modal")
    with pytest.raises(SlackApiError, match="invalid_arguments"):
        slack_client.views_open(trigger_id=fake_slack.new_trigger_id(), view=make(limit + 1))


def test_message_text_past_slacks_hard_limit_is_refused(slack_client: WebClient) -> None:
    assert slack_client.chat_postMessage(channel=GENERAL, text="t" * LIMITS.message_text_hard)
    with pytest.raises(SlackApiError, match="msg_too_long"):
        slack_client.chat_postMessage(channel=GENERAL, text="t" * (LIMITS.message_text_hard + 1))
