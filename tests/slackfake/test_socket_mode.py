"""The fake's Socket Mode speaks as Slack does, checked with a plain WebSocket client."""

from __future__ import annotations

import json

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from slackfake import FakeSlack


def open_url(fake: FakeSlack, token: str = "xapp-1-A0001-x") -> str:
    return WebClient(token=token, base_url=fake.url).apps_connections_open(app_token=token)["url"]


def test_connections_open_needs_an_app_token_and_hands_out_a_one_time_url(fake_slack):
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(token="xoxb-1", base_url=fake_slack.url).apps_connections_open(app_token="xoxb-1")
    with pytest.raises(SlackApiError, match="not_allowed_token_type"):
        WebClient(token="xapp-1", base_url=fake_slack.url).auth_test()
    url = open_url(fake_slack)
    assert url.startswith("ws://127.0.0.1:") and "/link/?ticket=" in url
    with connect(url) as ws:
        hello = json.loads(ws.recv(timeout=5))
        assert hello["type"] == "hello" and hello["connection_info"]["app_id"] == "A0001"
        assert hello["num_connections"] == 1
        with pytest.raises(InvalidStatus):  # the ticket was used
            connect(url)


def test_envelopes_acks_retries_and_disconnects(fake_slack):
    fake_slack.socket_ack_timeout = 0.3
    with connect(open_url(fake_slack)) as ws:
        ws.recv(timeout=5)  # hello
        command = fake_slack.deliver("slash_commands", {"command": "/cadence", "text": "help"})
        sent = json.loads(ws.recv(timeout=5))
        assert sent == {
            "envelope_id": command.envelope_id,
            "type": "slash_commands",
            "payload": {"command": "/cadence", "text": "help"},
            "accepts_response_payload": True,
        }
        ws.send(json.dumps({"envelope_id": command.envelope_id, "payload": {"text": "hi"}}))
        assert fake_slack.wait_for_ack(command) == {"text": "hi"}

        event = fake_slack.deliver("events_api", {"type": "event_callback", "event_id": "Ev1"})
        first = json.loads(ws.recv(timeout=5))
        assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
        assert first["accepts_response_payload"] is False
        retry = json.loads(ws.recv(timeout=5))  # not acked in time: delivered again
        assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
        assert retry["envelope_id"] != first["envelope_id"] and retry["payload"] == first["payload"]
        ws.send(json.dumps({"envelope_id": retry["envelope_id"]}))
        assert fake_slack.wait_for_ack(event) is None

        click = fake_slack.deliver("interactive", {"type": "block_actions"})
        ws.recv(timeout=5)
        fake_slack.wait_for(lambda: fake_slack.envelopes(click.first_id)[0].timed_out)
        assert len(fake_slack.envelopes(click.first_id)) == 1  # a click is never retried

        fake_slack.send_disconnect("refresh_requested")
        assert json.loads(ws.recv(timeout=5)) == {
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "applink-fake"},
        }
