"""Plays Slack toward the bot's HTTP endpoint: signed commands, clicks, submissions, events."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

from slackfake import FakeSlack
from slackfake.interactions import VERIFICATION_TOKEN, Interactions
from slackfake.transport import Reply

_ids = itertools.count(1)


class SlackSim(Interactions):
    """Sends the bot signed requests shaped like Slack's, against a FakeSlack workspace."""

    def __init__(
        self,
        endpoint: str,
        signing_secret: str,
        fake: FakeSlack,
        team_id: str = "T0001",
        api_app_id: str = "A0001",
        *,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(endpoint, signing_secret, timeout=timeout)
        self.fake, self.team_id, self.api_app_id = fake, team_id, api_app_id

    # ----- slash commands ----------------------------------------------------------------------

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str,
        channel: str = "C0GENERAL",
        channel_name: str = "general",
    ) -> Reply:
        """Run a slash command as `user`; an ack body is shown the way Slack shows it."""
        assert command.startswith("/"), f"slash commands start with '/': {command!r}"
        response_url = self.fake.response_url(channel=channel, user=user)
        fields = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "team_domain": self.fake.team_domain,
            "channel_id": channel,
            "channel_name": channel_name,
            "user_id": user,
            "user_name": self._user(user)["name"],
            "command": command,
            "text": text,
            "api_app_id": self.api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": self.fake.new_trigger_id(user=user),
        }
        reply = self._send(urlencode(fields).encode(), "application/x-www-form-urlencoded")
        reply.response_url = response_url
        if reply.status == 200 and reply.body.strip():
            self.fake.apply_ack(response_url, reply.json or {"text": reply.body})
        return reply

    # ----- events ------------------------------------------------------------------------------

    def event(
        self,
        event: dict,
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
    ) -> Reply:
        """Deliver an Events API event_callback (a retry when retry_num is given)."""
        now = time.time()
        envelope = {
            "token": VERIFICATION_TOKEN,
            "team_id": self.team_id,
            "api_app_id": self.api_app_id,
            "event": {"event_ts": f"{now:.6f}", **event},
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):010d}",
            "event_time": int(now),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": self.team_id,
                    "user_id": self.fake.bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }
        extra = {}
        if retry_num is not None:
            extra = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send(json.dumps(envelope).encode(), "application/json", extra)

    def home_opened(self, user: str) -> Reply:
        """The app_home_opened event Slack sends when `user` opens the Home tab."""
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": user,
            "channel": "D" + user,
            "tab": "home",
        }
        if (home := self.fake.home(user)) is not None:
            event["view"] = home
        return self.event(event)
