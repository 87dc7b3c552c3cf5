"""Plays Slack toward the bot over Socket Mode: the same commands, clicks, submissions and events
as `SlackSim`, sent as envelopes on the bot's WebSocket; the ack is the answer."""

from __future__ import annotations

import json
import time

from slackfake import FakeSlack
from slackfake.sim import SlackSim
from slackfake.transport import Reply


class SocketSim(SlackSim):
    """A SlackSim whose requests travel as Socket Mode envelopes through the fake."""

    def __init__(self, fake: FakeSlack, *, timeout: float = 10.0) -> None:
        super().__init__("socket-mode://", "", fake, timeout=timeout)

    def _deliver(
        self, kind: str, payload: dict, *, retry: tuple[int | None, str] = (None, "")
    ) -> Reply:
        """Send an envelope and wait for its ack; a missing ack is status 0 (Slack's timeout)."""
        assert retry[0] is None, "over Socket Mode, the fake itself retries unacked events"
        started = time.monotonic()
        envelope = self.fake.deliver(kind, payload)
        try:
            answer = self.fake.wait_for_ack(envelope, timeout=self.timeout)
        except AssertionError:
            return Reply(0, "", None, time.monotonic() - started)
        body = json.dumps(answer) if answer else ""
        return Reply(200, body, answer, time.monotonic() - started)
