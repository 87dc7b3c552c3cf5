"""What the local Slack keeps for people to look at (the playground's page reads it): modal
stacks per person, their own messages, a change counter to watch, posting times from a clock,
and a snapshot that survives a restart."""

from __future__ import annotations

import json
import threading

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackfake import FakeSlack
from tests.cast import GENERAL, LI, MARIA

MODAL = {
    "type": "modal",
    "title": {"type": "plain_text", "text": "Escalate"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Step*"}}],
}


def _modal(title: str) -> dict:
    return {**MODAL, "title": {"type": "plain_text", "text": title}}


def test_modals_stack_per_person(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    first = slack_client.views_open(trigger_id=fake_slack.new_trigger_id(user=MARIA), view=MODAL)
    top_id = first["view"]["id"]
    pushed = slack_client.views_push(
        trigger_id=fake_slack.new_trigger_id(top_id, user=MARIA), view=_modal("Details")
    )
    assert [v["title"]["text"] for v in fake_slack.modals(MARIA)] == ["Escalate", "Details"]
    assert fake_slack.modals(LI) == []

    fake_slack.apply_view_response(pushed["view"]["id"], {"response_action": "errors"})
    assert len(fake_slack.modals(MARIA)) == 2  # the form stays open to show its errors
    fake_slack.apply_view_response(
        pushed["view"]["id"], {"response_action": "update", "view": _modal("Updated")}
    )
    assert [v["title"]["text"] for v in fake_slack.modals(MARIA)] == ["Escalate", "Updated"]
    fake_slack.apply_view_response(pushed["view"]["id"], {})  # an empty ack closes that one
    assert [v["id"] for v in fake_slack.modals(MARIA)] == [top_id]
    fake_slack.apply_view_response(top_id, {"response_action": "push", "view": _modal("Again")})
    assert len(fake_slack.modals(MARIA)) == 2
    fake_slack.close_view(top_id, everything=True)
    assert fake_slack.modals(MARIA) == []


def test_views_open_starts_a_new_stack(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    slack_client.views_open(trigger_id=fake_slack.new_trigger_id(user=MARIA), view=MODAL)
    slack_client.views_open(trigger_id=fake_slack.new_trigger_id(user=MARIA), view=_modal("Second"))
    assert [v["title"]["text"] for v in fake_slack.modals(MARIA)] == ["Second"]


def test_people_post_their_own_messages(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    parent = fake_slack.post_as_user(GENERAL, MARIA, "anyone seen the refund bot?")
    fake_slack.post_as_user(GENERAL, LI, "yes", thread_ts=parent["ts"])

    (shown,) = fake_slack.messages(GENERAL)[:1]
    assert (shown["user"], shown["text"], shown["reply_count"]) == (MARIA, parent["text"], 1)
    assert [m["user"] for m in fake_slack.replies(GENERAL, parent["ts"])] == [LI]
    with pytest.raises(SlackApiError, match="cant_update_message"):
        slack_client.chat_update(channel=GENERAL, ts=parent["ts"], text="x")


def test_version_counts_what_people_would_see(
    fake_slack: FakeSlack, slack_client: WebClient
) -> None:
    before = fake_slack.version
    slack_client.users_info(user=MARIA)
    assert fake_slack.version == before  # a lookup changes nothing on screen
    seen: list[int] = []
    waiter = threading.Thread(target=lambda: seen.append(fake_slack.wait_for_change(before, 5)))
    waiter.start()
    slack_client.chat_postMessage(channel=GENERAL, text="hello")
    waiter.join(5)
    assert seen and seen[0] > before
    assert fake_slack.wait_for_change(fake_slack.version, 0.01) == fake_slack.version


def test_timestamps_follow_the_clock_and_stay_unique() -> None:
    now = [1_800_000_000.0]
    fake = FakeSlack(clock=lambda: now[0]).start()
    try:
        client = WebClient(token="xoxb-t", base_url=fake.url)
        first = client.chat_postMessage(channel=GENERAL, text="a")["ts"]
        second = client.chat_postMessage(channel=GENERAL, text="b")["ts"]
        now[0] += 3600
        later = client.chat_postMessage(channel=GENERAL, text="c")["ts"]
    finally:
        fake.stop()
    assert first == "1800000000.000000" and second == "1800000000.000001"
    assert float(later) == 1_800_003_600.0


def test_snapshot_restores_what_people_saw(fake_slack: FakeSlack, slack_client: WebClient) -> None:
    posted = slack_client.chat_postMessage(channel=GENERAL, text="kept")
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    slack_client.views_publish(user_id=MARIA, view=home)
    slack_client.views_open(trigger_id=fake_slack.new_trigger_id(user=LI), view=MODAL)
    saved = json.loads(json.dumps(fake_slack.snapshot()))

    fresh = FakeSlack().start()
    try:
        fresh.restore(saved)
        assert [m["text"] for m in fresh.messages(GENERAL)] == ["kept"]
        assert fresh.home(MARIA)["blocks"][0]["type"] == "divider"
        assert len(fresh.modals(LI)) == 1 and fresh.user(MARIA)["name"] == "maria"
        client = WebClient(token="xoxb-t", base_url=fresh.url)
        client.chat_update(channel=GENERAL, ts=posted["ts"], text="still mine")
        newer = client.chat_postMessage(channel=GENERAL, text="after")
    finally:
        fresh.stop()
    assert float(newer["ts"]) > float(posted["ts"])
