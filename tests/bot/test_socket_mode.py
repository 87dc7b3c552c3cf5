"""Opening the first Socket Mode connection: what start() says when Slack will not open it."""

from __future__ import annotations

import socket

import pytest

from bot.socket_mode import SlackUnreachable, SocketModeFailed, SocketModeServer
from tests.fakes.slack import FakeSlack


class _NoApp:
    """start() fails before any request reaches the App."""


def test_a_refused_app_token_fails_start_with_what_to_do(fake_slack: FakeSlack):
    fake_slack.refuse_connections("token_revoked")
    server = SocketModeServer(_NoApp(), "xapp-1-revoked", api_url=fake_slack.url)  # type: ignore[arg-type]
    with pytest.raises(SocketModeFailed, match=r"refused SLACK_APP_TOKEN \(token_revoked\)"):
        server.start()
    assert server.failure is None or "token_revoked" in server.failure
    assert not fake_slack.links()


def test_a_bot_token_is_not_an_app_token(fake_slack: FakeSlack):
    server = SocketModeServer(_NoApp(), "xoxb-not-an-app-token", api_url=fake_slack.url)  # type: ignore[arg-type]
    with pytest.raises(SocketModeFailed, match="not_allowed_token_type"):
        server.start()


def test_other_errors_and_no_network_are_unreachable_not_refused(fake_slack: FakeSlack):
    fake_slack.refuse_connections("internal_error")
    server = SocketModeServer(_NoApp(), "xapp-1", api_url=fake_slack.url)  # type: ignore[arg-type]
    with pytest.raises(SlackUnreachable, match="internal_error"):
        server.start()
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    nowhere = SocketModeServer(_NoApp(), "xapp-1", api_url=f"http://127.0.0.1:{port}/api/")  # type: ignore[arg-type]
    with pytest.raises(SlackUnreachable, match="cannot reach Slack"):
        nowhere.start()
