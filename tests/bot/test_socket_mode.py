"""Opening the first Socket Mode connection: what start() says when Slack will not open it."""

from __future__ import annotations

import pytest

from bot.socket_mode import SocketModeFailed, SocketModeServer
from slackfake import FakeSlack


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


def test_a_slack_outage_at_start_is_waited_out(fake_slack: FakeSlack):
    fake_slack.refuse_connections("internal_error")
    server = SocketModeServer(_NoApp(), "xapp-1", api_url=fake_slack.url, ping_interval=0.2)  # type: ignore[arg-type]
    server.start()  # does not fail: the client keeps trying
    try:
        assert not fake_slack.links()
        fake_slack.refuse_connections(None)
        fake_slack.wait_for_link(timeout=10)
        assert server.failure is None
    finally:
        server.close()


def test_link_disabled_while_serving_stops_once_and_never_reconnects(fake_slack: FakeSlack):
    stopped = []
    server = SocketModeServer(_NoApp(), "xapp-1", api_url=fake_slack.url, ping_interval=0.2,  # type: ignore[arg-type]
                              on_failure=lambda: stopped.append(True))  # fmt: skip
    server.start()
    try:
        fake_slack.wait_for_link()
        fake_slack.disable_socket_mode()
        fake_slack.wait_for(lambda: bool(stopped))
        assert server.failure is not None and "link_disabled" in server.failure
        with pytest.raises(AssertionError):  # no second connection is opened
            fake_slack.wait_for_link(2, timeout=1.5)
        assert stopped == [True]
        assert len(fake_slack.calls_to("apps.connections.open")) == 1
    finally:
        server.close()
