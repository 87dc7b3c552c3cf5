"""Installing Cadence into workspaces the way a person does, in a browser without redirects
followed: /slack/install, Slack's authorize page (the fake's), back to /slack/oauth_redirect."""

from __future__ import annotations

import html
import http.client
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from email.message import Message
from urllib.parse import parse_qs, urlsplit

from bot.config import load_settings
from slackfake import FakeSlack
from slackfake.sim import SlackSim
from tests.conftest import SIGNING_SECRET, RunningBot, running_bot

STATE_SECRET = "a-state-secret-for-the-tests"


@dataclass
class Visit:
    """One page the browser got."""

    status: int
    headers: Message
    body: str

    @property
    def text(self) -> str:
        """The page's text as a person reads it (entities decoded)."""
        return html.unescape(self.body)

    @property
    def location(self) -> str:
        """Where a redirect points."""
        return str(self.headers["Location"])


def get(url: str, *, cookie: str | None = None) -> Visit:
    """GET `url` (never following a redirect), sending `cookie` if given."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    visit = Visit(response.status, response.headers, response.read().decode("utf-8"))
    connection.close()
    return visit


def site(bot: RunningBot) -> str:
    """http://127.0.0.1:PORT of the bot."""
    return bot.url.removesuffix("/slack/events")


def query(url: str) -> dict[str, str]:
    """A URL's query parameters."""
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}


def start_install(bot: RunningBot) -> tuple[Visit, str]:
    """Open the install link: Cadence's redirect to Slack, and the state cookie it set."""
    start = get(site(bot) + "/slack/install")
    assert start.status == 302, start.body
    cookie = str(start.headers["Set-Cookie"]).split(";")[0]
    return start, cookie


def install(
    bot: RunningBot, team_id: str, team_name: str, *, user: str, allow: bool = True
) -> Visit:
    """Install Cadence into `team_id` as `user` (or cancel); the page the browser ends on."""
    bot.fake.consent(team_id, team_name=team_name, user=user, allow=allow)
    start, cookie = start_install(bot)
    slack = get(start.location)
    assert slack.status == 302, slack.body
    return get(slack.location, cookie=cookie)


def workspace(bot: RunningBot, team_id: str) -> RunningBot:
    """The same bot, with Slack's requests coming from workspace `team_id`."""
    return replace(bot, sim=SlackSim(bot.url, SIGNING_SECRET, bot.fake, team_id=team_id))


def installable_bot(fake: FakeSlack, database_url: str) -> Iterator[RunningBot]:
    """Cadence with OAuth credentials and no bot token, its redirect URL registered in Slack."""
    settings = load_settings(
        env_file=None,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.url,
        database_url=database_url,
        slack_client_id=fake.oauth_app.client_id,
        slack_client_secret=fake.oauth_app.client_secret,
        slack_state_secret=STATE_SECRET,
    )
    assert settings.oauth and settings.slack_bot_token is None
    serving = running_bot(settings, fake)
    bot = next(serving)
    fake.register_app(redirect_urls=[site(bot) + "/slack/oauth_redirect"])
    yield bot
    next(serving, None)


def eventually(condition: Callable[[], bool], *, within: float = 5.0) -> None:
    """Wait for work running in the bot's threads (an event's listener runs after its ack)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.02)
